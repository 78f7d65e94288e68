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

func (r *Resolver) notificationPage(ctx context.Context, unreadOnly bool, first *int, after *string) (*model.NotificationConnection, error) {
	var errs validation.Error
	n, err := pageSize(first)
	addErr(&errs, err)
	afterID, hasCursor, err := parseIDCursor(notificationCursorKind, after)
	addErr(&errs, err)
	if errs.OrNil() != nil {
		return nil, &errs
	}
	base := func(ctx context.Context) (*ent.NotificationQuery, error) {
		q, err := mine(ctx, r.db)
		if err != nil {
			return nil, err
		}
		if unreadOnly {
			q.Where(notification.ReadAtIsNil())
		}
		return q, nil
	}
	q, err := base(ctx)
	if err != nil {
		return nil, err
	}
	if hasCursor {
		q.Where(notification.IDLT(afterID))
	}
	rows, err := q.Order(ent.Desc(notification.FieldID)).Limit(n + 1).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	more := len(rows) > n
	rows = rows[:min(len(rows), n)]
	conn := &model.NotificationConnection{
		Nodes:    rows,
		Edges:    make([]*model.NotificationEdge, len(rows)),
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: hasCursor},
		Count: func(ctx context.Context) (int, error) {
			q, err := base(ctx)
			if err != nil {
				return 0, err
			}
			return q.Count(ctx)
		},
	}
	for i, nt := range rows {
		conn.Edges[i] = &model.NotificationEdge{Cursor: idCursor(notificationCursorKind, nt.ID), Node: nt}
	}
	setCursors(conn.PageInfo, len(rows), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}
