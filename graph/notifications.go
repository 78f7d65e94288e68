package graph

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/notification"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/validation"
)

const notificationCursorKind = "notification"

// notificationCategories are the categories users can set preferences for.
var notificationCategories = []string{"rmm-alert"}

// channelKeys are the stored names of the channels
// (users.notification_preferences: category -> channel -> enabled).
var channelKeys = map[model.NotificationChannel]string{
	model.NotificationChannelInApp: "inApp",
	model.NotificationChannelEmail: "email",
}

// preferencesOf lists every category and channel; a missing entry means
// enabled.
func preferencesOf(u *ent.User) []*model.NotificationPreference {
	var out []*model.NotificationPreference
	for _, cat := range notificationCategories {
		for _, ch := range model.AllNotificationChannel {
			enabled := true
			if v, ok := u.NotificationPreferences[cat][channelKeys[ch]]; ok {
				enabled = v
			}
			out = append(out, &model.NotificationPreference{Category: cat, Channel: ch, Enabled: enabled})
		}
	}
	return out
}

// mine limits a notification query to the caller's own (the tenant filter
// is the scoped client's).
func mine(ctx context.Context, c *ent.Client) (*ent.NotificationQuery, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	return c.Notification.Query().Where(notification.UserID(v.UserID)), nil
}

// notificationList is the keyset query of a user's notifications,
// newest first (id).
func (r *Resolver) notificationList(tenantID, userID int, unreadOnly bool) listQuery {
	q := listQuery{postgres: r.store.IsPostgres(), table: notification.Table, keys: []string{notification.FieldID}}
	q.where.add("tenant_id = ? AND user_id = ?", tenantID, userID)
	if unreadOnly {
		q.where.add(notification.FieldReadAt + " IS NULL")
	}
	return q
}

// notificationPage lists the caller's notifications newest first,
// paginated by id.
func (r *Resolver) notificationPage(ctx context.Context, unreadOnly bool, first *int, after *string) (*model.NotificationConnection, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	var errs validation.Error
	n, err := pageSize(first)
	addErr(&errs, err)
	afterID, hasCursor, err := parseIDCursor(notificationCursorKind, after)
	addErr(&errs, err)
	if errs.OrNil() != nil {
		return nil, &errs
	}
	lq := r.notificationList(v.TenantID, v.UserID, unreadOnly)
	var from []any
	if hasCursor {
		from = []any{afterID}
	}
	ids, err := lq.pageIDs(ctx, r.store.DB, from, n+1)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	more := len(ids) > n
	ids = ids[:min(len(ids), n)]
	rows := []*ent.Notification{}
	if len(ids) > 0 {
		all, err := r.db.Notification.Query().Where(notification.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("notifications: %w", err)
		}
		rows = inOrder(ids, all, func(nt *ent.Notification) int { return nt.ID })
	}
	conn := &model.NotificationConnection{
		Nodes:    rows,
		Edges:    make([]*model.NotificationEdge, len(rows)),
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: hasCursor},
		Count:    func(ctx context.Context) (model.Total, error) { return lq.total(ctx, r.store.DB) },
	}
	for i, nt := range rows {
		conn.Edges[i] = &model.NotificationEdge{Cursor: idCursor(notificationCursorKind, nt.ID), Node: nt}
	}
	setCursors(conn.PageInfo, len(rows), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}
