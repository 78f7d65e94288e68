package graph

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// decodableBody answers 400 to a JSON POST that gqlgen's transport could
// not decode into a request. gqlgen's own answer quotes the whole body
// back in its message, up to the body limit (1 MiB); this one says what
// is wrong in a line. It needs the body that limitBody read.
func decodableBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := r.Body.(bufferedBody); ok && (transport.POST{}).Supports(r) {
			if err := decodeRequest(b.b); err != nil {
				writeHTTPError(w, http.StatusBadRequest, "the request body is not a GraphQL request in JSON: "+err.Error(), CodeBadUserInput, nil)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// decodeRequest returns the error gqlgen's POST transport would meet
// decoding body, or nil. Most bodies are shown decodable by a pass that
// allocates nothing; the others are decoded as gqlgen decodes them.
func decodeRequest(body []byte) error {
	if json.Valid(body) && requestShape(body) {
		return nil
	}
	var p graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return dec.Decode(&p)
}

// requestShape reports whether valid JSON body is an object that decodes
// into gqlgen's request for certain: its members named query and
// operationName (in any case, as encoding/json matches names) are
// strings or null, variables and extensions objects or null. false means
// not sure, as for a name written with escapes.
func requestShape(body []byte) bool {
	s := scanner{b: body}
	return s.object(s.member)
}

// member passes over the value of the member named key, false when it
// does not have the type gqlgen's request gives that name.
func (s *scanner) member(key []byte) bool {
	var want byte
	switch {
	case bytes.EqualFold(key, []byte("query")), bytes.EqualFold(key, []byte("operationName")):
		want = '"'
	case bytes.EqualFold(key, []byte("variables")), bytes.EqualFold(key, []byte("extensions")):
		want = '{'
	}
	if want != 0 && !bytes.HasPrefix(s.b[s.i:], []byte{want}) && !bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		return false
	}
	return s.skipValue(0)
}
