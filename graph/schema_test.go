package graph_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
)

// Every type, field, argument, input field and enum value of the schema
// says what it is.
func TestSchemaIsDescribed(t *testing.T) {
	s := loadSchema(t)
	var missing []string
	for _, def := range s.Types {
		if def.BuiltIn {
			continue
		}
		if strings.TrimSpace(def.Description) == "" {
			missing = append(missing, def.Name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // introspection
			}
			if strings.TrimSpace(f.Description) == "" {
				missing = append(missing, def.Name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if strings.TrimSpace(a.Description) == "" {
					missing = append(missing, def.Name+"."+f.Name+"("+a.Name+")")
				}
			}
		}
		for _, v := range def.EnumValues {
			if strings.TrimSpace(v.Description) == "" {
				missing = append(missing, def.Name+"."+v.Name)
			}
		}
	}
	for _, d := range s.Directives {
		if d.Position != nil && d.Position.Src != nil && !d.Position.Src.BuiltIn && d.Description == "" {
			missing = append(missing, "@"+d.Name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("undocumented: %s", strings.Join(missing, ", "))
	}
}

func TestOperationLimits(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	deep := `{ alerts { nodes { ticket { alerts { ticket { alerts { ticket { alerts { ticket { alerts { ticket { alerts { id } } } } } } } } } } } } }`
	r := e.Admin(deep, nil).WantCode("DEPTH_LIMIT_EXCEEDED")
	if !strings.Contains(r.Errors[0].Message, "exceeds the limit of 12") {
		t.Errorf("depth message: %s", r.Errors[0].Message)
	}
	// Fragments count too.
	viaFragment := `query { alerts { nodes { ...A } } } fragment A on Alert { ticket { alerts { ticket { alerts { ticket { alerts { ticket { alerts { ticket { alerts { id } } } } } } } } } } }`
	e.Admin(viaFragment, nil).WantCode("DEPTH_LIMIT_EXCEEDED")

	wide := `{ alerts(first: 100) { nodes { ticket { alerts { ticket { comments { id } } } } } } }`
	r = e.Admin(wide, nil).WantCode("COMPLEXITY_LIMIT_EXCEEDED")
	if !strings.Contains(r.Errors[0].Message, "complexity") {
		t.Errorf("complexity message: %s", r.Errors[0].Message)
	}
	// A realistic page is fine, and so is the playground's introspection.
	e.Admin(alertList, map[string]any{"n": 100}).Must(nil)
	e.Admin(`{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } }`, nil).Must(nil)
}

func TestPlaygroundInDevMode(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	h := graph.NewHandler(graph.Deps{Store: e.Store, Pipeline: e.Pipeline, Desk: e.Desk,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Playground: true})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + "/playground")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), "/graphql") {
		t.Errorf("playground: %d %.200s", res.StatusCode, body)
	}
}

// The catalog's JSON Schemas describe exactly what the pipeline publishes.
func TestWorkflowEventCatalogMatchesPayloads(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	e.PostFixture(ninja, "ninjaone-condition-triggered.json")
	e.PostFixture(ninja, "ninjaone-condition-reset.json")
	var out struct {
		WorkflowEvents []struct {
			Name, Description string
			PayloadSchema     struct {
				Type       string
				Properties map[string]json.RawMessage
				Required   []string
			}
		}
	}
	e.GraphQL(technician(e), `{ workflowEvents { name description payloadSchema } }`, nil).Must(&out)
	if len(out.WorkflowEvents) != 2 {
		t.Fatalf("events = %+v", out.WorkflowEvents)
	}
	for _, ev := range out.WorkflowEvents {
		entry := e.DB.OutboxEntry.Query().Where(outboxentry.Topic(ev.Name)).FirstX(e.Ctx)
		// The webhook's request id rides along in the stored payload; the
		// worker takes it out before the event is delivered.
		if outbox.TakeRequestID(entry.Payload) == "" {
			t.Errorf("%s: stored without the webhook's request id", ev.Name)
		}
		keys := slices.Sorted(maps.Keys(entry.Payload))
		props := slices.Sorted(maps.Keys(ev.PayloadSchema.Properties))
		req := slices.Sorted(slices.Values(ev.PayloadSchema.Required))
		if !slices.Equal(keys, props) || !slices.Equal(keys, req) || ev.PayloadSchema.Type != "object" || ev.Description == "" {
			t.Errorf("%s: payload keys %v, schema properties %v, required %v", ev.Name, keys, props, req)
		}
	}
	if out.WorkflowEvents[0].Name != outbox.AlertTriggered || out.WorkflowEvents[1].Name != outbox.AlertResolved {
		t.Errorf("catalog order: %s, %s", out.WorkflowEvents[0].Name, out.WorkflowEvents[1].Name)
	}
}
