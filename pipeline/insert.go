package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/store"
)

// insertAlert writes a first-seen alert whose id lookupTrigger drew, and
// the outbox entries that name it, in one statement (PostgreSQL), which
// goes to the database with COMMIT: ent would take two round trips, each
// statement built field by field. The columns are the ones the
// mutation sets, so nothing is listed twice; the rest take the database's
// defaults, which are ent's (a test compares the rows both paths write).
func insertAlert(ctx context.Context, s *State) error {
	m := s.create.Mutation()
	if err := validateAlert(m); err != nil {
		return err
	}
	fields, vals, err := alertValues(m)
	if err != nil {
		return err
	}
	args := make([]any, 0, 1+len(fields)+4*len(s.outbox))
	args = append(args, s.Alert.ID)
	var q strings.Builder
	if len(s.outbox) > 0 {
		q.WriteString("WITH a AS (")
	}
	q.WriteString("INSERT INTO " + entalert.Table + " (" + entalert.FieldID)
	for _, f := range fields {
		q.WriteString(", " + f)
	}
	q.WriteString(") VALUES ($1")
	for _, v := range vals {
		args = append(args, v)
		q.WriteString(", $" + strconv.Itoa(len(args)))
	}
	q.WriteString(")")
	args, err = outboxValues(ctx, &q, args, s)
	if err != nil {
		return err
	}
	return s.batch.Defer(ctx, store.Statement{Name: "pipeline: create alert", SQL: q.String(), Args: args})
}

// alertValues are the fields a first-seen alert's mutation sets and their
// values as the driver takes them.
func alertValues(m *ent.AlertMutation) ([]string, []any, error) {
	fields := m.Fields()
	vals := make([]any, len(fields))
	for i, f := range fields {
		v, _ := m.Field(f)
		cv, err := columnValue(v)
		if err != nil {
			return nil, nil, fmt.Errorf("pipeline: create alert: %s: %w", f, err)
		}
		vals[i] = cv
	}
	return fields, vals, nil
}

// updateAlert writes the stages' changes to a stored alert and the outbox
// entries that name it in one statement, deferred to COMMIT (PostgreSQL):
// ent would send each as a round trip of its own.
func updateAlert(ctx context.Context, s *State) error {
	m := s.pending.Mutation()
	if err := validateAlert(m); err != nil {
		return err
	}
	args := []any{s.Alert.ID}
	var q strings.Builder
	if len(s.outbox) > 0 {
		q.WriteString("WITH a AS (")
	}
	q.WriteString("UPDATE " + entalert.Table + " SET ")
	sep := ""
	set := func(expr string) {
		q.WriteString(sep + expr)
		sep = ", "
	}
	for _, f := range m.ClearedFields() {
		set(f + " = NULL")
	}
	for _, f := range m.Fields() {
		v, _ := m.Field(f)
		cv, err := columnValue(v)
		if err != nil {
			return fmt.Errorf("pipeline: save alert: %s: %w", f, err)
		}
		args = append(args, cv)
		set(f + " = " + storedJSONValue(s, f, "$"+strconv.Itoa(len(args))))
	}
	for _, f := range m.AddedFields() {
		v, _ := m.AddedField(f)
		args = append(args, v)
		set(fmt.Sprintf("%s = %s + $%d", f, f, len(args)))
	}
	q.WriteString(" WHERE " + entalert.FieldID + " = $1")
	args, err := outboxValues(ctx, &q, args, s)
	if err != nil {
		return err
	}
	return s.batch.Defer(ctx, store.Statement{Name: "pipeline: save alert", SQL: q.String(), Args: args})
}

// outboxValues closes the alert's statement, begun with "WITH a AS (" when
// there are entries, with the INSERT of the outbox entries s queued.
func outboxValues(ctx context.Context, q *strings.Builder, args []any, s *State) ([]any, error) {
	if len(s.outbox) == 0 {
		return args, nil
	}
	q.WriteString(") INSERT INTO " + outboxentry.Table + " (" + strings.Join([]string{
		outboxentry.FieldTenantID, outboxentry.FieldCreatedAt, outboxentry.FieldAvailableAt,
		outboxentry.FieldTopic, outboxentry.FieldPayload}, ", ") + ") VALUES ")
	rows, err := outboxRows(ctx, s)
	if err != nil {
		return nil, err
	}
	args = append(args, s.Event.TenantID, time.Now())
	tenant, now := len(args)-1, len(args)
	for i, r := range rows {
		args = append(args, r.topic, r.payload)
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(q, "($%d, $%d, $%d, $%d, $%d)", tenant, now, now, len(args)-1, len(args))
	}
	return args, nil
}

// outboxRow is an outbox entry s queued, encoded.
type outboxRow struct {
	topic   string
	payload []byte
}

// outboxRows encodes the outbox entries s queued; call it once the alert
// has its id and final state.
func outboxRows(ctx context.Context, s *State) ([]outboxRow, error) {
	rows := make([]outboxRow, len(s.outbox))
	for i, o := range s.outbox {
		payload, err := json.Marshal(outbox.Stamp(ctx, o.payload()))
		if err != nil {
			return nil, fmt.Errorf("pipeline: outbox %s: %w", o.topic, err)
		}
		rows[i] = outboxRow{o.topic, payload}
	}
	return rows, nil
}

// validateAlert runs the schema's validators that ent's Save would run;
// a test keeps this list in step with the generated ones.
func validateAlert(m *ent.AlertMutation) error {
	check := func(field string, err error) error {
		if err != nil {
			return fmt.Errorf("pipeline: create alert: invalid %s: %w", field, err)
		}
		return nil
	}
	if v, ok := m.Provider(); ok {
		if err := check(entalert.FieldProvider, entalert.ProviderValidator(v)); err != nil {
			return err
		}
	}
	if v, ok := m.Severity(); ok {
		if err := check(entalert.FieldSeverity, entalert.SeverityValidator(v)); err != nil {
			return err
		}
	}
	if v, ok := m.Status(); ok {
		if err := check(entalert.FieldStatus, entalert.StatusValidator(v)); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name     string
		validate func(string) error
	}{
		{entalert.FieldExternalAlertID, entalert.ExternalAlertIDValidator},
		{entalert.FieldExternalDeviceID, entalert.ExternalDeviceIDValidator},
		{entalert.FieldDedupKey, entalert.DedupKeyValidator},
	} {
		if v, ok := m.Field(f.name); ok {
			if err := check(f.name, f.validate(v.(string))); err != nil {
				return err
			}
		}
	}
	return nil
}

// columnValue is a mutation's field value as the driver takes it, as ent
// would pass it: enums as their strings, JSON fields encoded.
func columnValue(v ent.Value) (any, error) {
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Map, reflect.Slice, reflect.Struct:
		switch v := v.(type) {
		case time.Time, []byte:
			return v, nil
		}
		return json.Marshal(v)
	}
	return v, nil
}
