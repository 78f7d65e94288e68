package auth_test

import (
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/auth"
)

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		password, email string
		ok              bool
	}{
		{"short", "", false},
		{"elevenchars", "", false},
		{"twelve chars", "", true},
		{"ünïcödé-ok!!", "", true},
		{"Password1234", "", false}, // common, any case
		{"correcthorsebatterystaple", "", false},
		{"ann@acme.test.x", "ann@acme.test.x", false},
		{strings.Repeat("x", 1025), "", false},
		{"a sentence that is long enough", "ann@acme.test", true},
	} {
		err := auth.CheckPassword(c.password, c.email)
		if (err == nil) != c.ok {
			t.Errorf("CheckPassword(%q): %v, want ok=%v", c.password, err, c.ok)
		}
	}
}

func TestHashPassword(t *testing.T) {
	h, err := auth.HashPassword("a sentence that is long enough")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") || strings.Count(h, "$") != 5 {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := auth.HashPassword("a sentence that is long enough")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, c := range []struct {
		hash, password string
		ok, bad        bool
	}{
		{h, "a sentence that is long enough", true, false},
		{h2, "a sentence that is long enough", true, false},
		{h, "a sentence that is long enougH", false, false},
		{h, "", false, false},
		{"", "", false, false},
		{"$argon2i$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x", false, true},
		{"$argon2id$v=19$m=0,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x", false, true},
		{"plain text", "plain text", false, true},
	} {
		ok, err := auth.VerifyPassword(c.hash, c.password)
		if ok != c.ok || (err != nil) != c.bad {
			t.Errorf("VerifyPassword(%.30q, %q) = %v, %v; want %v, error %v", c.hash, c.password, ok, err, c.ok, c.bad)
		}
	}
}
