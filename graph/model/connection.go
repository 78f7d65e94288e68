package model

import (
	"context"
	"time"

	"github.com/alertdesk/alertdesk/ent"
)

// Counter counts every item matching a list's filter; it runs only when
// totalCount is asked for.
type Counter func(ctx context.Context) (int, error)

func (c Counter) count(ctx context.Context) (int, error) {
	if c == nil {
		return 0, nil
	}
	return c(ctx)
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
}

// TotalCount counts every alert matching the filter.
func (c *AlertConnection) TotalCount(ctx context.Context) (int, error) { return c.Count.count(ctx) }

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
}

// TotalCount counts every ticket matching the filter.
func (c *TicketConnection) TotalCount(ctx context.Context) (int, error) { return c.Count.count(ctx) }

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
}

// TotalCount counts every notification matching the filter.
func (c *NotificationConnection) TotalCount(ctx context.Context) (int, error) {
	return c.Count.count(ctx)
}

// UnmappedOrganization is an RMM organization seen on alerts that no
// mapping covers.
type UnmappedOrganization struct {
	IntegrationID          int
	ExternalOrganizationID string
	AlertCount             int
	PendingAlertCount      int
	LastSeenAt             time.Time
}
