package model

import (
	"context"
	"sync"
	"time"

	"github.com/alertdesk/alertdesk/ent"
)

// Total is how many items match a list's filter: exact up to a cap, else
// an estimate.
type Total struct {
	Count    int
	Estimate bool
}

// Counter counts every item matching a list's filter; it runs only when
// totalCount or totalCountIsEstimate is asked for, once for both.
type Counter func(ctx context.Context) (Total, error)

// counted runs a Counter once.
type counted struct {
	once  sync.Once
	total Total
	err   error
}

func (c *counted) get(ctx context.Context, fn Counter) (Total, error) {
	c.once.Do(func() {
		if fn != nil {
			c.total, c.err = fn(ctx)
		}
	})
	return c.total, c.err
}

// AlertEdge is an alert in a page.
type AlertEdge struct {
	Cursor string
	Node   *ent.Alert
}

// AlertConnection is a page of alerts.
type AlertConnection struct {
	Edges    []*AlertEdge
	Nodes    []*ent.Alert
	PageInfo *PageInfo
	Count    Counter
	total    counted
}

// TotalCount is how many alerts match the filter (see Total).
func (c *AlertConnection) TotalCount(ctx context.Context) (int, error) {
	t, err := c.total.get(ctx, c.Count)
	return t.Count, err
}

// TotalCountIsEstimate reports whether TotalCount is an estimate.
func (c *AlertConnection) TotalCountIsEstimate(ctx context.Context) (bool, error) {
	t, err := c.total.get(ctx, c.Count)
	return t.Estimate, err
}

// TicketEdge is a ticket in a page.
type TicketEdge struct {
	Cursor string
	Node   *ent.Ticket
}

// TicketConnection is a page of tickets.
type TicketConnection struct {
	Edges    []*TicketEdge
	Nodes    []*ent.Ticket
	PageInfo *PageInfo
	Count    Counter
	total    counted
}

// TotalCount is how many tickets match the filter (see Total).
func (c *TicketConnection) TotalCount(ctx context.Context) (int, error) {
	t, err := c.total.get(ctx, c.Count)
	return t.Count, err
}

// TotalCountIsEstimate reports whether TotalCount is an estimate.
func (c *TicketConnection) TotalCountIsEstimate(ctx context.Context) (bool, error) {
	t, err := c.total.get(ctx, c.Count)
	return t.Estimate, err
}

// NotificationEdge is a notification in a page.
type NotificationEdge struct {
	Cursor string
	Node   *ent.Notification
}

// NotificationConnection is a page of notifications.
type NotificationConnection struct {
	Edges    []*NotificationEdge
	Nodes    []*ent.Notification
	PageInfo *PageInfo
	Count    Counter
	total    counted
}

// TotalCount is how many notifications match (see Total).
func (c *NotificationConnection) TotalCount(ctx context.Context) (int, error) {
	t, err := c.total.get(ctx, c.Count)
	return t.Count, err
}

// TotalCountIsEstimate reports whether TotalCount is an estimate.
func (c *NotificationConnection) TotalCountIsEstimate(ctx context.Context) (bool, error) {
	t, err := c.total.get(ctx, c.Count)
	return t.Estimate, err
}

// UnmappedOrganization is an RMM organization seen on alerts that no
// mapping covers.
type UnmappedOrganization struct {
	IntegrationID          int
	ExternalOrganizationID string
	AlertCount             int
	PendingAlertCount      int
	LastSeenAt             *time.Time
	Name                   string
	InRmm                  bool
	// SuggestedClients are active clients whose name matches Name.
	SuggestedClients []*ent.Customer
}
