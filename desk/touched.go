package desk

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/ent/timeentry"
)

// Touched reports whether a person has worked the ticket: a human comment,
// a time entry or a manual status change. Rule assignment and system
// comments do not count. Only untouched tickets are closed automatically.
func Touched(ctx context.Context, c *ent.Client, tenantID, ticketID int) (bool, error) {
	checks := []func() (bool, error){
		func() (bool, error) {
			return c.Comment.Query().Where(comment.TenantID(tenantID), comment.TicketID(ticketID),
				comment.AuthorKindEQ(comment.AuthorKindHuman)).Exist(ctx)
		},
		func() (bool, error) {
			return c.TimeEntry.Query().Where(timeentry.TenantID(tenantID), timeentry.TicketID(ticketID)).Exist(ctx)
		},
		func() (bool, error) {
			return c.StatusChange.Query().Where(statuschange.TenantID(tenantID), statuschange.TicketID(ticketID),
				statuschange.ActorKindEQ(statuschange.ActorKindHuman)).Exist(ctx)
		},
	}
	for _, check := range checks {
		touched, err := check()
		if err != nil {
			return false, fmt.Errorf("desk: touched check: %w", err)
		}
		if touched {
			return true, nil
		}
	}
	return false, nil
}
