package event

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStorableJSON(t *testing.T) {
	long := "1" + strings.Repeat("0", maxNumberLen) // one digit too long
	for _, tt := range []struct{ in, want string }{
		{`{"a":1,"b":[2.5,-3e2,0],"c":"x\\u00e9\\n\\"q\\""}`, ""},
		{`{"pair":"\ud83d\ude00"}`, ""},
		{`{"n":1e309,"m":-1.5e400,"s":4e-400}`, ""},
		{`{"n":1e1000,"m":1e-1000,"z":0e1000,"zz":0.000e-1000}`, ""},
		{`{"z":0e1001,"zz":-0.0e-99999999}`, `{"z":"0e1001","zz":"-0.0e-99999999"}`},
		{`{"n":123.456e998}`, ""},
		{`{"n":123.456e999}`, `{"n":"123.456e999"}`},
		{`{"n":0.001e-997}`, ""},
		{`{"n":0.001e-998}`, `{"n":"0.001e-998"}`},
		{`{"n":1e1001}`, `{"n":"1e1001"}`},
		{`{"n":-1E+1000000,"k":[1e-1000000]}`, `{"n":"-1E+1000000","k":["1e-1000000"]}`},
		{`[1e00000000000000000000001]`, ""},
		{`[1e0000001001]`, `["1e0000001001"]`},
		{`[` + long + `]`, `["` + long + `"]`},
		{`{"a":"x\u0000y"}`, `{"a":"x\ufffdy"}`},
		{`{"\u0000":"\u0000\u0000"}`, `{"\ufffd":"\ufffd\ufffd"}`},
		{`{"k\ud800":"v"}`, `{"k\ufffd":"v"}`},
		{`["\udfff\ud800"]`, `["\ufffd\ufffd"]`},
		{`["\ud800\u0041"]`, `["\ufffd\u0041"]`},
		{`["\ud800\ud800\udc00"]`, `["\ufffd\ud800\udc00"]`},
		{`["\\ud800"]`, ""}, // an escaped backslash, not an escape
	} {
		want := tt.want
		if want == "" {
			want = tt.in
		}
		if got := string(StorableJSON([]byte(tt.in))); got != want {
			t.Errorf("StorableJSON(%.80s)\n got %.200s\nwant %.200s", tt.in, got, want)
		}
	}
}

func TestStorableJSONKeepsUnchangedInput(t *testing.T) {
	in := []byte(`{"a":[1,2,3]}`)
	if out := StorableJSON(in); &out[0] != &in[0] {
		t.Error("unchanged input was copied")
	}
}

// FuzzStorableJSON: the output of valid JSON is valid JSON with nothing
// left to fix, and equal to the input but for what it replaced.
func FuzzStorableJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1e309}`, `["\ud800"]`, `{"a":"\u0000"}`, `[1e-1000000,"x"]`, `"\udc00\ud800\udc00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		out := StorableJSON(in)
		if !json.Valid(out) {
			t.Fatalf("invalid output %q", out)
		}
		if again := StorableJSON(out); !bytes.Equal(again, out) {
			t.Fatalf("not a fixed point: %q → %q", out, again)
		}
		if bytes.Contains(out, []byte(`\u0000`)) {
			t.Fatalf("NUL escape left in %q", out)
		}
		if utf8.Valid(in) && !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 from valid input: %q", out)
		}
		d := json.NewDecoder(bytes.NewReader(out))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("does not decode: %v", err)
		}
	})
}
