package graph

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func TestQueryLength(t *testing.T) {
	big := strings.Repeat("a", 70_000)
	for _, tc := range []struct {
		name, body string
		n          int
		ok         bool
	}{
		{"plain", `{"query":"{ me { id } }"}`, 13, true},
		{"spaces and other members", " {\n\"operationName\" : null, \"variables\":{\"a\":[1,2.5e3,{\"b\":\"}\"}],\"c\":true},\"query\": \"abc\" } ", 3, true},
		{"escapes", `{"query":"a\"\\\/\b\f\n\r\t"}`, 9, true},
		{"unicode escapes", `{"query":"\u0041\u00e9\u20ac\ud83d\ude00"}`, 1 + 2 + 3 + 4, true},
		{"lone surrogate is U+FFFD", `{"query":"\ud800x"}`, 3 + 1, true},
		{"high surrogate then a non-low escape", `{"query":"\ud800\u0041"}`, 3 + 1, true},
		{"raw UTF-8", `{"query":"é€😀"}`, 2 + 3 + 4, true},
		{"invalid UTF-8 byte is U+FFFD", "{\"query\":\"\xff\"}", 3, true},
		{"last member wins", `{"query":"abcdef","query":"ab"}`, 2, true},
		{"any case", `{"QUERY":"abcd"}`, 4, true},
		{"large", `{"query":"` + big + `"}`, len(big), true},
		{"no query", `{"variables":{}}`, 0, false},
		{"empty object", `{}`, 0, false},
		{"not an object", `["query"]`, 0, false},
		{"query not a string", `{"query":null}`, 0, false},
		{"escaped key", `{"\u0071uery":"a"}`, 0, false},
		{"control character", "{\"query\":\"a\nb\"}", 0, false},
		{"bad escape", `{"query":"\x"}`, 0, false},
		{"short unicode escape", `{"query":"\u12"}`, 0, false},
		{"unterminated", `{"query":"abc`, 0, false},
		{"trailing data", `{"query":"a"} {}`, 0, false},
		{"missing comma", `{"query":"a" "b":1}`, 0, false},
		{"unbalanced skipped value", `{"v":[1,2,"query":"a"}`, 0, false},
		{"too deep", `{"v":` + strings.Repeat("[", maxSkipDepth+2) + strings.Repeat("]", maxSkipDepth+2) + `,"query":"a"}`, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := queryLength([]byte(tc.body))
			if n != tc.n || ok != tc.ok {
				t.Errorf("queryLength = %d, %v; want %d, %v", n, ok, tc.n, tc.ok)
			}
		})
	}
}

// Whenever the scan measures a query, it is the length gqlgen's decoding
// gives the body's query.
func FuzzQueryLength(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ me { id } }","variables":{"a":[1,{"b":null}]}}`,
		`{"query":"\ud83d\ude00\ud800\u0041","Query":"x"}`,
		"{\"query\":\"\xff\xfe é\"}",
		`{"operationName":"A","query":"query A { me { id } }","extensions":{}}`,
		`{"query":"a","variables":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, ok := queryLength(body)
		if !ok {
			return
		}
		var p graphql.RawParams
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil {
			// A body gqlgen refuses is refused whatever the scan said.
			return
		}
		if len(p.Query) != n {
			t.Fatalf("queryLength = %d, decoded query has %d bytes: %q", n, len(p.Query), body)
		}
	})
}
