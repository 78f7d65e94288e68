package graph

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestDecodeRequest(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
		// shaped: the pass without decoding decides it.
		shaped bool
	}{
		{"plain", `{"query":"{ me { id } }"}`, true, true},
		{"every member", `{"operationName":"A","query":"query A { me { id } }","variables":{"a":[1,{"b":null}]},"extensions":{}}`, true, true},
		{"nulls", `{"query":null,"operationName":null,"variables":null,"extensions":null}`, true, true},
		{"names in any case", `{"QUERY":"x","Variables":{}}`, true, true},
		{"other members", `{"query":"x","id":5,"x":[1,"a",{"b":true}]}`, true, true},
		{"empty object", ` {} `, true, true},
		{"escaped name", `{"\u0071uery":"x"}`, true, false},
		{"trailing data", `{"query":"x"} {`, true, false},
		{"top-level null", `null`, true, false},
		{"not JSON", `{"query": x}`, false, false},
		{"truncated", `{"query":"x"`, false, false},
		{"empty", ``, false, false},
		{"array", `[{"query":"x"}]`, false, false},
		{"query a number", `{"query":5}`, false, false},
		{"query an object", `{"query":{"a":1}}`, false, false},
		{"variables a string", `{"query":"x","variables":"{}"}`, false, false},
		{"extensions an array", `{"query":"x","extensions":[]}`, false, false},
		{"escaped name, wrong type", `{"\u0071uery":1}`, false, false},
		{"long s folds to s, right type", "{\"query\":\"x\",\"exten\u017fions\":{}}", true, true},
		{"long s folds to s", "{\"variable\u017f\":\"x\"}", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			if err := decodeRequest(body); (err == nil) != tc.ok {
				t.Errorf("decodeRequest(%s) = %v, want ok %v", tc.body, err, tc.ok)
			}
			if got := json.Valid(body) && requestShape(body); got != tc.shaped {
				t.Errorf("shaped = %v, want %v", got, tc.shaped)
			}
		})
	}
}

// FuzzRequestShape holds the pass without decoding to encoding/json: a
// body it lets through must decode into gqlgen's request.
func FuzzRequestShape(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ me { id } }","variables":{"a":[1,{"b":null}]}}`,
		`{"operationName":null,"QUERY":"x","extensions":{"persistedQuery":{}}}`,
		`{"query":"a","variables":"x"}`,
		"{\"variable\u017f\":1}",
		` { "a" : [ ] , "query" : null } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) || !requestShape(body) {
			return
		}
		var p graphql.RawParams
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("requestShape passed %q, which gqlgen cannot decode: %v", body, err)
		}
	})
}
