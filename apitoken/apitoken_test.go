package apitoken

import (
	"regexp"
	"testing"
)

func TestNew(t *testing.T) {
	tok, hash, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^adk_[A-Za-z0-9_-]{43}$`).MatchString(tok) {
		t.Fatalf("token %q has an unexpected shape", tok)
	}
	if hash != Hash(tok) {
		t.Fatalf("hash %q != Hash(token) %q", hash, Hash(tok))
	}
	if !LooksValid(tok) {
		t.Fatalf("LooksValid(%q) = false", tok)
	}
	tok2, hash2, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if tok == tok2 || hash == hash2 {
		t.Fatal("two tokens are equal")
	}
}

func TestHash(t *testing.T) {
	// printf adk_test | sha256sum
	const want = "db9890615349ed530b011e8b5b571fb599d29d83c8d85fe6bac49429efa2139a"
	if got := Hash("adk_test"); got != want {
		t.Fatalf("Hash = %q, want %q", got, want)
	}
	if Hash("adk_tesT") == want {
		t.Fatal("different tokens hash alike")
	}
}

func TestLooksValid(t *testing.T) {
	for _, s := range []string{"", "adk_", "adk_short", "xyz_" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "adk_" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"} {
		if LooksValid(s) {
			t.Errorf("LooksValid(%q) = true", s)
		}
	}
}
