package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// The cache holds documents up to its size in estimated bytes, evicting
// the least recently used; a document larger than the whole cache is
// not kept, and looking one up with has does not make it recent.
func TestQueryCache(t *testing.T) {
	ctx := context.Background()
	q := func(c byte) string { return strings.Repeat(string(c), 100) } // cost 2,512 each
	doc := func(s string) *ast.QueryDocument {
		return &ast.QueryDocument{Operations: ast.OperationList{{Name: s[:1]}}}
	}
	for _, tc := range []struct {
		name string
		run  func(c *queryCache)
		want string // cached, in order of letters
	}{
		{"fits", func(c *queryCache) {
			c.Add(ctx, q('a'), doc(q('a')))
			c.Add(ctx, q('b'), doc(q('b')))
		}, "ab"},
		{"evicts the oldest", func(c *queryCache) {
			for _, l := range "abcd" {
				c.Add(ctx, q(byte(l)), doc(q(byte(l))))
			}
		}, "bcd"},
		{"Get makes recent", func(c *queryCache) {
			for _, l := range "abc" {
				c.Add(ctx, q(byte(l)), doc(q(byte(l))))
			}
			c.Get(ctx, q('a'))
			c.Add(ctx, q('d'), doc(q('d')))
		}, "acd"},
		{"has does not", func(c *queryCache) {
			for _, l := range "abc" {
				c.Add(ctx, q(byte(l)), doc(q(byte(l))))
			}
			c.has(q('a'))
			c.Add(ctx, q('d'), doc(q('d')))
		}, "bcd"},
		{"adding again replaces", func(c *queryCache) {
			for _, l := range "aba" {
				c.Add(ctx, q(byte(l)), doc(q(byte(l))))
			}
			c.Add(ctx, q('c'), doc(q('c')))
			c.Add(ctx, q('d'), doc(q('d')))
		}, "acd"},
		{"too large for the cache", func(c *queryCache) {
			c.Add(ctx, q('a'), doc(q('a')))
			c.Add(ctx, strings.Repeat("z", 400), doc("z"))
		}, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newQueryCache(3 * documentCost(q('a')))
			tc.run(c)
			var got strings.Builder
			for _, l := range "abcdz" {
				key := q(byte(l))
				if l == 'z' {
					key = strings.Repeat("z", 400)
				}
				if d, ok := c.Get(ctx, key); ok {
					if d.Operations[0].Name != string(l) {
						t.Errorf("%c holds the document of %s", l, d.Operations[0].Name)
					}
					got.WriteRune(l)
				}
			}
			if got.String() != tc.want {
				t.Errorf("cached %q, want %q", got.String(), tc.want)
			}
			if c.size > c.max || c.size != c.order.Len()*documentCost(q('a')) {
				t.Errorf("size %d of %d for %d entries", c.size, c.max, c.order.Len())
			}
		})
	}
}
