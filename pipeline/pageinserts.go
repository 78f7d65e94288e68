package pipeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/schema/field"

	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/migrate"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/store"
)

// The multi-row INSERTs of a page or group take their rows as one array
// per column (unnest), so that their text does not change with the number
// of rows: pgx prepares each new text on each connection, a round trip of
// its own, and a storm's groups come in every size up to MaxCombined.

// alertArrayTypes is the array type of each column of alerts, as the
// INSERT's unnest takes it (text for enums and strings: varchar takes
// text). A column of a type not listed falls back to a VALUES list.
var alertArrayTypes = func() map[string]string {
	types := map[string]string{}
	for _, c := range migrate.AlertsColumns {
		switch c.Type {
		case field.TypeInt, field.TypeInt64:
			types[c.Name] = "bigint[]"
		case field.TypeString, field.TypeEnum:
			types[c.Name] = "text[]"
		case field.TypeBool:
			types[c.Name] = "boolean[]"
		case field.TypeTime:
			types[c.Name] = "timestamptz[]"
		case field.TypeJSON:
			types[c.Name] = "jsonb[]"
		}
	}
	return types
}()

// alertInsert is one INSERT of the page's alerts; a column some alert
// does not set takes its default there, as it would in insertAlert.
func (pg *page) alertInsert() store.Statement {
	if len(pg.alerts) == 0 {
		return store.Statement{}
	}
	if st, ok := pg.alertUnnest(); ok {
		return st
	}
	var cols []string
	at := map[string]int{}
	for _, r := range pg.alerts {
		for _, f := range r.fields {
			if _, ok := at[f]; !ok {
				at[f] = len(cols)
				cols = append(cols, f)
			}
		}
	}
	var q strings.Builder
	var args []any
	q.WriteString("INSERT INTO " + entalert.Table + " (" + entalert.FieldID + ", " + strings.Join(cols, ", ") + ") VALUES ")
	row := make([]string, len(cols))
	for i, r := range pg.alerts {
		for j := range row {
			row[j] = "DEFAULT"
		}
		for j, f := range r.fields {
			args = append(args, r.values[j])
			row[at[f]] = "$" + strconv.Itoa(len(args))
		}
		args = append(args, r.id)
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("($" + strconv.Itoa(len(args)) + ", " + strings.Join(row, ", ") + ")")
	}
	return store.Statement{Name: "pipeline: create alerts", SQL: q.String(), Args: args}
}

// alertUnnest is alertInsert with an array per column, when every alert
// sets the same columns (in the same order, as one stage list sets them)
// and each column's type is known; false otherwise.
func (pg *page) alertUnnest() (store.Statement, bool) {
	cols := pg.alerts[0].fields
	types := make([]string, len(cols))
	for j, f := range cols {
		if types[j] = alertArrayTypes[f]; types[j] == "" {
			return store.Statement{}, false
		}
	}
	ids := make([]int, len(pg.alerts))
	values := make([][]any, len(cols))
	for j := range values {
		values[j] = make([]any, len(pg.alerts))
	}
	for i, r := range pg.alerts {
		if len(r.fields) != len(cols) {
			return store.Statement{}, false
		}
		for j, f := range r.fields {
			if f != cols[j] {
				return store.Statement{}, false
			}
			values[j][i] = r.values[j]
		}
		ids[i] = r.id
	}
	var q strings.Builder
	q.WriteString("INSERT INTO " + entalert.Table + " (" + entalert.FieldID + ", " + strings.Join(cols, ", ") +
		") SELECT * FROM unnest($1::bigint[]")
	args := make([]any, 0, 1+len(cols))
	args = append(args, ids)
	for j := range cols {
		args = append(args, values[j])
		fmt.Fprintf(&q, ", $%d::%s", len(args), types[j])
	}
	q.WriteString(")")
	return store.Statement{Name: "pipeline: create alerts", SQL: q.String(), Args: args}, true
}

// conditionInsert opens the page's conditions as writeCondition opens one.
func (pg *page) conditionInsert() store.Statement {
	if len(pg.conditions) == 0 {
		return store.Statement{}
	}
	n := len(pg.conditions)
	at, integrations, keys, tickets, heads :=
		make([]time.Time, n), make([]int, n), make([]string, n), make([]int, n), make([]int, n)
	for i, c := range pg.conditions {
		at[i], integrations[i], keys[i], tickets[i], heads[i] = c.at, c.integrationID, c.dedupKey, c.ticketID, c.headID
	}
	return store.Statement{
		Name: "pipeline: open conditions",
		SQL: `INSERT INTO alert_conditions (tenant_id, created_at, integration_id, dedup_key, ticket_id,
				head_alert_id, occurrence_count, first_occurrence_at, last_occurrence_at)
			SELECT $1::bigint, at, integration_id, dedup_key, ticket_id, head_alert_id, 1, at, at
			FROM unnest($2::timestamptz[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[])
				AS u(at, integration_id, dedup_key, ticket_id, head_alert_id)` + openConditionConflict,
		Args: []any{pg.tenantID, at, integrations, keys, tickets, heads},
	}
}

// outboxInsert writes the page's outbox entries, in the order queued.
func (pg *page) outboxInsert() store.Statement {
	if len(pg.outbox) == 0 {
		return store.Statement{}
	}
	topics, payloads := make([]string, len(pg.outbox)), make([][]byte, len(pg.outbox))
	for i, r := range pg.outbox {
		topics[i], payloads[i] = r.topic, r.payload
	}
	return store.Statement{
		Name: "pipeline: outbox",
		SQL: "INSERT INTO " + outboxentry.Table + " (" + strings.Join([]string{
			outboxentry.FieldTenantID, outboxentry.FieldCreatedAt, outboxentry.FieldAvailableAt,
			outboxentry.FieldTopic, outboxentry.FieldPayload}, ", ") + `)
			SELECT $1::bigint, $2::timestamptz, $2, topic, payload FROM unnest($3::text[], $4::jsonb[]) AS u(topic, payload)`,
		Args: []any{pg.tenantID, time.Now(), topics, payloads},
	}
}
