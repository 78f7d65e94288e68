package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/validation"
)

// maxStatusRunes limits status and priority names (the columns' own).
const maxStatusRunes = 100

// maxSortOrder bounds the priority positions an admin may give.
const maxSortOrder = 10000

// active keeps the records that are not retired.
func active[T any](all []T, retiredAt func(T) *time.Time) []T {
	out := make([]T, 0, len(all))
	for _, v := range all {
		if retiredAt(v) == nil {
			out = append(out, v)
		}
	}
	return out
}

// Lock keys that serialize changes of one tenant's boards (the default
// board), of one board's statuses, and of the priorities.
func boardsLockKey(tenantID int) string { return fmt.Sprintf("boards:%d", tenantID) }

func statusesLockKey(tenantID, boardID int) string {
	return fmt.Sprintf("statuses:%d:%d", tenantID, boardID)
}

func prioritiesLockKey(tenantID int) string { return fmt.Sprintf("priorities:%d", tenantID) }

// makeDefaultBoard makes id the tenant's only default board.
func makeDefaultBoard(ctx context.Context, c *ent.Client, id int) error {
	if err := c.Board.Update().Where(board.IsDefault(true), board.IDNEQ(id)).SetIsDefault(false).Exec(ctx); err != nil {
		return fmt.Errorf("clear default board: %w", err)
	}
	return nil
}

// makeDefaultStatus makes id its board's only default status.
func makeDefaultStatus(ctx context.Context, c *ent.Client, boardID, id int) error {
	if err := c.TicketStatus.Update().Where(ticketstatus.BoardID(boardID), ticketstatus.IsDefault(true),
		ticketstatus.IDNEQ(id)).SetIsDefault(false).Exec(ctx); err != nil {
		return fmt.Errorf("clear default status: %w", err)
	}
	return nil
}

// statusState is what a status will be after an update.
type statusState struct {
	closed, isDefault, retired bool
}

// checkStatusChange checks an update of status cur to next against the
// board's other statuses: one default status, open and not retired; and
// at least one open and one closed status that are not retired.
func checkStatusChange(ctx context.Context, c *ent.Client, errs *validation.Error, cur *ent.TicketStatus, next statusState, in statusFields) error {
	wasDefault := cur.IsDefault
	switch {
	case in.isDefault != nil && !*in.isDefault && wasDefault:
		errs.Add("isDefault", "a board keeps one default status: make another status the default instead")
	case next.isDefault && next.closed && in.isDefault != nil && *in.isDefault:
		errs.Add("isDefault", "a closed status cannot be the default")
	case next.isDefault && next.closed:
		errs.Add("isClosed", "the default status must stay open: make another status the default first")
	case next.isDefault && next.retired && in.retired != nil && *in.retired:
		errs.Add("retired", "the default status cannot be retired: make another status the default first")
	case next.isDefault && next.retired:
		errs.Add("isDefault", "a retired status cannot be the default: restore it first")
	}
	if len(errs.Errors) > 0 {
		return nil
	}
	others, err := c.TicketStatus.Query().Where(ticketstatus.BoardID(cur.BoardID), ticketstatus.IDNEQ(cur.ID),
		ticketstatus.RetiredAtIsNil()).All(ctx)
	if err != nil {
		return fmt.Errorf("load statuses: %w", err)
	}
	open, closed := 0, 0
	for _, st := range others {
		if st.IsClosed {
			closed++
		} else {
			open++
		}
	}
	if !next.retired {
		if next.closed {
			closed++
		} else {
			open++
		}
	}
	field := "retired"
	if in.retired == nil || !*in.retired {
		field = "isClosed"
	}
	if open == 0 {
		errs.Add(field, "the board needs an open status that is not retired")
	}
	if closed == 0 {
		errs.Add(field, "the board needs a closed status that is not retired")
	}
	return nil
}

// statusFields are the flags an update asks for.
type statusFields struct {
	isDefault, retired *bool
}

// nextStatusOrder is the position after the board's last status.
func nextStatusOrder(ctx context.Context, c *ent.Client, boardID int) (int, error) {
	last, err := c.TicketStatus.Query().Where(ticketstatus.BoardID(boardID)).
		Order(ent.Desc(ticketstatus.FieldSortOrder)).First(ctx)
	if ent.IsNotFound(err) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last status: %w", err)
	}
	return last.SortOrder + 1, nil
}

// nextPriorityOrder is the position after the last priority.
func nextPriorityOrder(ctx context.Context, c *ent.Client) (int, error) {
	last, err := c.Priority.Query().Order(ent.Desc(priority.FieldSortOrder)).First(ctx)
	if ent.IsNotFound(err) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last priority: %w", err)
	}
	return last.SortOrder + 1, nil
}

// checkSortOrder reports a position out of range.
func checkSortOrder(errs *validation.Error, field string, n *int) {
	if n != nil && (*n < 0 || *n > maxSortOrder) {
		errs.Add(field, fmt.Sprintf("must be between 0 and %d", maxSortOrder))
	}
}

// statusOrder is the order of a board's statuses.
var statusOrder = []ticketstatus.OrderOption{ticketstatus.BySortOrder(), ticketstatus.ByID()}

// priorityOrder is the order of priorities, most urgent first.
var priorityOrder = []priority.OrderOption{priority.BySortOrder(), priority.ByID()}
