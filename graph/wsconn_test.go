package graph

import (
	"encoding/json"
	"testing"
)

// The subscription id goes into a subscribe message's extensions, over
// whatever a client put there under that name; other messages, and
// subscribe messages gqlgen rejects anyway, pass as they are.
func TestWithSubscriptionID(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		wantID   any // the extension after; nil: the message unchanged
		wantExt  map[string]any
	}{
		{name: "subscribe", in: `{"id":"7","type":"subscribe","payload":{"query":"subscription { x }"}}`, wantID: "7"},
		{name: "client extensions kept", in: `{"id":"a\"b","type":"subscribe","payload":{"query":"q","extensions":{"persistedQuery":{"version":1}}}}`,
			wantID: "a\"b", wantExt: map[string]any{"persistedQuery": map[string]any{"version": float64(1)}}},
		{name: "client's id overwritten", in: `{"id":"2","type":"subscribe","payload":{"query":"q","extensions":{"alertdesk.subscriptionId":"1"}}}`, wantID: "2"},
		{name: "null extensions", in: `{"id":"3","type":"subscribe","payload":{"query":"q","extensions":null}}`, wantID: "3"},
		{name: "ping", in: `{"type":"ping"}`},
		{name: "complete", in: `{"id":"1","type":"complete"}`},
		{name: "no id", in: `{"type":"subscribe","payload":{"query":"q"}}`},
		{name: "payload not an object", in: `{"id":"1","type":"subscribe","payload":[1]}`},
		{name: "extensions not an object", in: `{"id":"1","type":"subscribe","payload":{"query":"q","extensions":"x"}}`},
		{name: "not json", in: `{"id":`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := withSubscriptionID([]byte(tc.in))
			if tc.wantID == nil {
				if string(out) != tc.in {
					t.Fatalf("got %s, want it unchanged", out)
				}
				return
			}
			var m struct {
				ID      string
				Type    string
				Payload struct {
					Query      string
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if m.Type != "subscribe" || m.Payload.Query == "" || m.Payload.Extensions[subscriptionIDExtension] != tc.wantID || m.ID != tc.wantID {
				t.Errorf("got %s, want id %v in the extensions", out, tc.wantID)
			}
			for k, v := range tc.wantExt {
				if b1, _ := json.Marshal(m.Payload.Extensions[k]); string(b1) != string(mustMarshal(v)) {
					t.Errorf("extension %s: %s, want %s", k, b1, mustMarshal(v))
				}
			}
		})
	}
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
