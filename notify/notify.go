// Package notify delivers notification requests (NOTIFICATION_REQUESTED
// outbox entries): an in-app notification, stored and pushed to the user's
// live channel, and an email over SMTP, each to every listed user of the
// tenant whose preferences allow that channel. The two channels are
// independent: a failing mail server delays only the email, which is
// retried with the outbox's backoff. Both are idempotent per (entry, user).
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/notification"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/worker"
)

// MaxRetry is how often a request with undelivered email is retried (with
// the worker's backoff, about an hour and a half in all).
const MaxRetry = 12

// markTTL is how long delivery markers live in Redis: past the last retry.
const markTTL = 7 * 24 * time.Hour

// Consumer is the NOTIFICATION_REQUESTED consumer.
type Consumer struct {
	Store *store.Store
	Redis redis.UniversalClient
	// Mailer sends the emails; nil turns the email channel off.
	Mailer Mailer
	// PublicURL makes the absolute ticket link.
	PublicURL string
	Log       *slog.Logger
	// KeyPrefix namespaces the Redis delivery markers (default "alertdesk:").
	KeyPrefix string
}

// Register makes the worker deliver notification requests through c.
func Register(w *worker.Worker, c *Consumer) {
	w.Handle(outbox.NotificationRequest, c, worker.WithMaxRetry(MaxRetry))
}

// Consume implements worker.Consumer. Every channel of every user is tried
// even when another fails; the failures retry the entry, and what was
// already delivered is skipped then.
func (c *Consumer) Consume(ctx context.Context, e worker.Entry) error {
	req, err := parseRequest(e)
	if err != nil {
		return err
	}
	// Active users of the entry's tenant only: an id from elsewhere finds
	// nothing, and a deactivated user is told nothing more.
	users, err := c.Store.Ent.User.Query().
		Where(user.TenantID(e.TenantID), user.IDIn(req.UserIDs...), user.DeactivatedAtIsNil()).
		Order(ent.Asc(user.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("notify: load users: %w", err)
	}
	if len(users) == 0 {
		return nil
	}
	ct, err := c.content(ctx, e.TenantID, req)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range users {
		if !Allowed(u.NotificationPreferences, req.Category, ChannelInApp) {
			continue
		}
		if err := c.inApp(ctx, e, req, u, ct); err != nil {
			errs = append(errs, fmt.Errorf("in-app for user %d: %w", u.ID, err))
		}
	}
	for _, u := range users {
		if c.Mailer == nil || u.Email == "" || !Allowed(u.NotificationPreferences, req.Category, ChannelEmail) {
			continue
		}
		err := c.email(ctx, e, u, ct)
		var perm *PermanentError
		if errors.As(err, &perm) {
			// A refused address will not be accepted later: give up on it.
			c.log().ErrorContext(ctx, "notification email refused", "tenant", e.TenantID, "user", u.ID, "entry", e.ID, "err", err)
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("email to user %d: %w", u.ID, err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	err = errors.Join(errs...)
	if e.LastAttempt {
		c.log().ErrorContext(ctx, "notification not fully delivered; giving up", "tenant", e.TenantID, "entry", e.ID, "attempt", e.Attempt, "err", err)
		return nil
	}
	c.log().WarnContext(ctx, "notification delivery failed; will retry", "tenant", e.TenantID, "entry", e.ID, "attempt", e.Attempt, "err", err)
	return err
}

// inApp stores the user's notification once per entry (its dedup key) and
// pushes it to the user's live channel once.
func (c *Consumer) inApp(ctx context.Context, e worker.Entry, req request, u *ent.User, ct content) error {
	key := "outbox:" + strconv.Itoa(e.ID)
	n, err := c.findNotification(ctx, e.TenantID, u.ID, key)
	if ent.IsNotFound(err) {
		n, err = c.Store.Ent.Notification.Create().
			SetTenantID(e.TenantID).SetUserID(u.ID).
			SetCategory(req.Category).SetTitle(truncate(ct.Title, 500)).SetBody(ct.Body).SetLink(ct.Link).
			SetNillableTicketID(ct.TicketID).SetNillableAlertID(ct.AlertID).
			SetDedupKey(key).
			Save(ctx)
		if ent.IsConstraintError(err) {
			// A concurrent delivery stored it first.
			n, err = c.findNotification(ctx, e.TenantID, u.ID, key)
		}
	}
	if err != nil {
		return fmt.Errorf("store notification: %w", err)
	}
	mark := c.keyPrefix() + "notify:pushed:" + strconv.Itoa(e.TenantID) + ":" + strconv.Itoa(n.ID)
	if done, err := c.Redis.Exists(ctx, mark).Result(); err == nil && done > 0 {
		return nil
	}
	if err := feed.PublishNotification(ctx, c.Redis, e.TenantID, u.ID, n.ID); err != nil {
		return err
	}
	c.setMark(ctx, mark)
	return nil
}

func (c *Consumer) findNotification(ctx context.Context, tenantID, userID int, key string) (*ent.Notification, error) {
	return c.Store.Ent.Notification.Query().
		Where(notification.TenantID(tenantID), notification.UserID(userID), notification.DedupKey(key)).
		Only(ctx)
}

// email sends the user's email once per entry.
func (c *Consumer) email(ctx context.Context, e worker.Entry, u *ent.User, ct content) error {
	mark := c.keyPrefix() + "notify:email:" + strconv.Itoa(e.TenantID) + ":" + strconv.Itoa(e.ID) + ":" + strconv.Itoa(u.ID)
	if done, err := c.Redis.Exists(ctx, mark).Result(); err != nil {
		return fmt.Errorf("check sent marker: %w", err)
	} else if done > 0 {
		return nil
	}
	err := c.Mailer.Send(ctx, Mail{
		To:        u.Email,
		Subject:   "[alertdesk] " + ct.Title,
		Text:      ct.mailText(),
		MessageID: fmt.Sprintf("notification-%d-%d-%d@alertdesk", e.TenantID, e.ID, u.ID),
	})
	if err != nil {
		return err
	}
	c.setMark(ctx, mark)
	c.log().InfoContext(ctx, "notification email sent", "tenant", e.TenantID, "user", u.ID, "entry", e.ID)
	return nil
}

// setMark records a delivery; if Redis fails here the worst case is one
// repeated delivery.
func (c *Consumer) setMark(ctx context.Context, key string) {
	if err := c.Redis.Set(ctx, key, "1", markTTL).Err(); err != nil {
		c.log().WarnContext(ctx, "notify: record delivery marker", "key", key, "err", err)
	}
}

func (c *Consumer) keyPrefix() string {
	if c.KeyPrefix == "" {
		return "alertdesk:"
	}
	return c.KeyPrefix
}

func (c *Consumer) log() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
