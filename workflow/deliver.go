package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/eventdelivery"
	"github.com/alertdesk/alertdesk/ent/eventsubscription"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/worker"
)

// deliveryNamespace derives stable delivery ids.
var deliveryNamespace = uuid.MustParse("6f1c1f7e-3f7a-4c55-9a43-2b0d1e4c8a10")

// Deliverer is the outbox consumer that posts a workflow event to every
// active subscription of its tenant that lists its type. Each attempt is
// logged; subscriptions that already took the event are skipped when the
// entry is retried, so only the failing ones see it again.
type Deliverer struct {
	Store *store.Store
	// Outbound is the guard every delivery dials through (nil: the public
	// internet only): 10 s timeout, redirects not followed.
	Outbound *outbound.Guard
	// Secrets opens the subscriptions' signing secrets.
	Secrets *secrets.Box
	Log     *slog.Logger

	once sync.Once
	http *http.Client
}

// Envelope is the JSON body of a delivery.
type Envelope struct {
	// ID is the delivery id (also in the webhook-id header).
	ID string `json:"id"`
	// Event is the event type.
	Event string `json:"event"`
	// CreatedAt is when the event happened in alertdesk.
	CreatedAt time.Time `json:"createdAt"`
	// Data is the payload described by the catalog's schema.
	Data map[string]any `json:"data"`
}

// DeliveryID is the stable id of an event's delivery to a subscription.
func DeliveryID(entryID, subscriptionID int) string {
	return uuid.NewSHA1(deliveryNamespace, []byte(strconv.Itoa(entryID)+":"+strconv.Itoa(subscriptionID))).String()
}

// Consume implements worker.Consumer.
func (d *Deliverer) Consume(ctx context.Context, e worker.Entry) error {
	subs, err := d.subscribers(ctx, e)
	if err != nil {
		return err
	}
	var failed []string
	for _, sub := range subs {
		if err := d.deliver(ctx, e, sub); err != nil {
			failed = append(failed, fmt.Sprintf("subscription %d: %v", sub.ID, err))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	err = fmt.Errorf("events: %s entry %d: %s", e.Topic, e.ID, strings.Join(failed, "; "))
	if e.LastAttempt {
		d.log().ErrorContext(ctx, "workflow event not delivered; giving up", "tenant", e.TenantID, "entry", e.ID, "attempt", e.Attempt, "err", err)
		return nil
	}
	return err
}

// subscribers are the tenant's active subscriptions to the entry's event
// that have not taken it yet.
func (d *Deliverer) subscribers(ctx context.Context, e worker.Entry) ([]*ent.EventSubscription, error) {
	all, err := d.Store.Ent.EventSubscription.Query().
		Where(eventsubscription.TenantID(e.TenantID), eventsubscription.IsActive(true)).
		Order(ent.Asc(eventsubscription.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: load subscriptions: %w", err)
	}
	var subs []*ent.EventSubscription
	for _, s := range all {
		if slices.Contains(s.EventTypes, e.Topic) {
			subs = append(subs, s)
		}
	}
	if len(subs) == 0 {
		return nil, nil
	}
	done, err := d.Store.Ent.EventDelivery.Query().
		Where(eventdelivery.TenantID(e.TenantID), eventdelivery.OutboxEntryID(e.ID), eventdelivery.Success(true)).
		Select(eventdelivery.FieldSubscriptionID).Ints(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: load deliveries: %w", err)
	}
	return slices.DeleteFunc(subs, func(s *ent.EventSubscription) bool { return slices.Contains(done, s.ID) }), nil
}

// deliver makes one attempt and logs it; the error says why it failed.
func (d *Deliverer) deliver(ctx context.Context, e worker.Entry, sub *ent.EventSubscription) error {
	prior, err := d.Store.Ent.EventDelivery.Query().
		Where(eventdelivery.TenantID(e.TenantID), eventdelivery.OutboxEntryID(e.ID), eventdelivery.SubscriptionID(sub.ID)).
		Count(ctx)
	if err != nil {
		return fmt.Errorf("count attempts: %w", err)
	}
	id := DeliveryID(e.ID, sub.ID)
	body, err := json.Marshal(Envelope{ID: id, Event: e.Topic, CreatedAt: e.Created.UTC(), Data: e.Payload})
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	secret, err := OpenSecret(d.Secrets, sub)
	if err != nil {
		return err
	}
	start := time.Now()
	ans, sendErr := d.post(ctx, sub, secret, e.Topic, id, body)
	row := d.Store.Ent.EventDelivery.Create().
		SetTenantID(e.TenantID).SetSubscriptionID(sub.ID).SetOutboxEntryID(e.ID).
		SetDeliveryID(id).SetEventType(e.Topic).SetAttempt(prior + 1).
		SetStatusCode(ans.status).SetResponseBytes(ans.bytes).SetSuccess(sendErr == nil).
		SetDurationMs(int(time.Since(start).Milliseconds()))
	if sendErr != nil {
		row.SetError(truncate(sendErr.Error(), 1000))
	}
	if err := row.Exec(ctx); err != nil {
		return errors.Join(sendErr, fmt.Errorf("log delivery: %w", err))
	}
	if sendErr != nil {
		d.log().WarnContext(ctx, "workflow event delivery failed", "tenant", e.TenantID, "subscription", sub.ID,
			"entry", e.ID, "attempt", prior+1, "status", ans.status, "err", sendErr)
	}
	return sendErr
}

// maxAnswer is how much of a receiver's answer is read (and counted);
// the rest is left unread.
const maxAnswer = 64 << 10

// answer is what is kept of a receiver's reply: its status and size.
type answer struct {
	status, bytes int
}

// post sends the signed request; a 2xx answer is success. The answer's
// body is counted and discarded, never kept: the URL may reach something
// whose pages an admin must not read through the delivery log.
func (d *Deliverer) post(ctx context.Context, sub *ent.EventSubscription, secret, event, id string, body []byte) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "alertdesk-webhooks/1")
	req.Header.Set(HeaderEvent, event)
	setSignature(req.Header, secret, id, time.Now(), body)
	res, err := d.client().Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	n, _ := io.Copy(io.Discard, io.LimitReader(res.Body, maxAnswer))
	a := answer{status: res.StatusCode, bytes: int(n)}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return a, errors.New("HTTP " + strconv.Itoa(res.StatusCode))
	}
	return a, nil
}

// client does not follow redirects: a subscription's URL is where the
// signed event goes, nowhere else.
func (d *Deliverer) client() *http.Client {
	d.once.Do(func() {
		d.http = d.Outbound.Client(outbound.ClientOptions{Timeout: 10 * time.Second, NoRedirects: true})
	})
	return d.http
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log == nil {
		return slog.Default()
	}
	return d.Log
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
