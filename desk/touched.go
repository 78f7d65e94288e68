package desk

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/timeentry"
)

// Touched reports whether a person has worked the ticket: a human comment,
// a time entry or a manual status change. Rule assignment and system
// comments do not count. Only untouched tickets are closed automatically.
// One query (three EXISTS), each child filtered by tenant too so that its
// (tenant_id, ticket_id) index serves it.
func Touched(ctx context.Context, c *ent.Client, tenantID, ticketID int) (bool, error) {
	touched, err := c.Ticket.Query().Where(
		ticket.TenantID(tenantID), ticket.ID(ticketID),
		ticket.Or(
			ticket.HasCommentsWith(comment.TenantID(tenantID), comment.AuthorKindEQ(comment.AuthorKindHuman)),
			ticket.HasTimeEntriesWith(timeentry.TenantID(tenantID)),
			ticket.HasStatusChangesWith(statuschange.TenantID(tenantID), statuschange.ActorKindEQ(statuschange.ActorKindHuman)),
		),
	).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("desk: touched check: %w", err)
	}
	return touched, nil
}
