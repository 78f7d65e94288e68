package simulate

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
)

// DefaultPageSize is how many alerts one keyset page reads.
const DefaultPageSize = 2000

// fields are the columns routing reads; the JSON ones (metadata, the
// decision trace) are most of a row and are left out.
var fields = []string{
	alert.FieldID, alert.FieldTenantID, alert.FieldIntegrationID, alert.FieldProvider,
	alert.FieldExternalAlertID, alert.FieldExternalDeviceID, alert.FieldAssetID, alert.FieldClientID,
	alert.FieldActivityType, alert.FieldAlertClass, alert.FieldSourceType, alert.FieldSeverity,
	alert.FieldMessage, alert.FieldDeviceName, alert.FieldExternalOrganizationID,
	alert.FieldStatus, alert.FieldTriggeredAt, alert.FieldLastEventAt,
}

// Scan reads the integration's alerts whose last event is in [since,
// until), newest first, in keyset pages of pageSize on the index
// (integration_id, last_event_at, id), and hands each page to fn until
// fn says stop. Each page starts where the last ended, so no page
// re-reads the rows before it; the next page is read while fn works on
// the current one, so reading and deciding overlap.
func Scan(ctx context.Context, c *ent.Client, integrationID int, since, until time.Time, pageSize int, fn func([]*ent.Alert) (bool, error)) error {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	type result struct {
		page []*ent.Alert
		err  error
	}
	read := func(after *Cursor) <-chan result {
		ch := make(chan result, 1)
		go func() {
			page, err := readPage(ctx, c, integrationID, since, until, pageSize, after)
			ch <- result{page, err}
		}()
		return ch
	}
	next := read(nil)
	for {
		r := <-next
		if r.err != nil {
			return r.err
		}
		if len(r.page) == 0 {
			return nil
		}
		next = nil
		if len(r.page) == pageSize {
			last := r.page[len(r.page)-1]
			next = read(&Cursor{At: last.LastEventAt, ID: last.ID})
		}
		more, err := fn(r.page)
		if err != nil || !more || next == nil {
			if next != nil {
				<-next // let the read finish before the caller moves on
			}
			return err
		}
	}
}

// readPage reads one keyset page after the cursor (nil: the first).
func readPage(ctx context.Context, c *ent.Client, integrationID int, since, until time.Time, pageSize int, after *Cursor) ([]*ent.Alert, error) {
	q := c.Alert.Query().Where(alert.IntegrationID(integrationID), alert.LastEventAtGTE(since))
	if after == nil {
		q.Where(alert.LastEventAtLT(until))
	} else {
		// The bound on last_event_at alone starts the index range at the
		// cursor; the rest drops the rows of its instant before it.
		q.Where(alert.LastEventAtLTE(after.At), alert.Or(alert.LastEventAtLT(after.At), alert.IDLT(after.ID)))
	}
	page, err := q.Order(ent.Desc(alert.FieldLastEventAt), ent.Desc(alert.FieldID)).
		Limit(pageSize).Select(fields...).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("scan alerts: %w", err)
	}
	return page, nil
}

// Cursor is a row's place in the scan order.
type Cursor struct {
	At time.Time
	ID int
}

// CursorOf is a's place.
func CursorOf(a *ent.Alert) Cursor { return Cursor{At: a.LastEventAt, ID: a.ID} }

// precedes says whether c comes before a in the scan order (newest
// first, then highest id).
func (c *Cursor) precedes(a *ent.Alert) bool {
	if !a.LastEventAt.Equal(c.At) {
		return a.LastEventAt.Before(c.At)
	}
	return a.ID < c.ID
}

// String encodes c for the API.
func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.At.UTC().Format(time.RFC3339Nano) + "|" + strconv.Itoa(c.ID)))
}

// ParseCursor decodes String's encoding.
func ParseCursor(s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, errors.New("malformed cursor")
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return Cursor{}, errors.New("malformed cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return Cursor{}, errors.New("malformed cursor")
	}
	n, err := strconv.Atoi(id)
	if err != nil {
		return Cursor{}, errors.New("malformed cursor")
	}
	return Cursor{At: t, ID: n}, nil
}
