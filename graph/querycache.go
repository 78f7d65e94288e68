package graph

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// queryCacheBytes bounds what the cached documents take, estimated from
// their text (documentCost): about 800 documents of 2 kB, or 25 of the
// largest a request may send.
const queryCacheBytes = 32 << 20

// queryCache keeps the documents gqlgen parsed and validated, by their
// text, so that one sent again (a list the UI reloads, a script's poll,
// an operation its token's points cannot pay for) is neither parsed nor
// validated again: with the document limit's own parse, that was a
// third of a refused operation's CPU. gqlgen caches only documents that
// validated; documentLimit passes those it finds here without parsing
// them. It is bounded by size, not count, as a document may be 64 kB.
type queryCache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // of *queryEntry, most recently used first
	byKey map[string]*list.Element
}

type queryEntry struct {
	key string
	doc *ast.QueryDocument
}

var _ graphql.Cache[*ast.QueryDocument] = (*queryCache)(nil)

func newQueryCache(maxBytes int) *queryCache {
	return &queryCache{max: maxBytes, order: list.New(), byKey: map[string]*list.Element{}}
}

// documentCost estimates the memory of a document's text and validated
// syntax tree: the heap held by the tests' 93 documents, parsed and
// validated, was 21 times their text (1.7 kB for 82 bytes on average).
func documentCost(query string) int { return 20*len(query) + 512 }

func (c *queryCache) Get(_ context.Context, query string) (*ast.QueryDocument, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[query]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*queryEntry).doc, true
}

// has says whether query is cached, without making it recent.
func (c *queryCache) has(query string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.byKey[query]
	return ok
}

func (c *queryCache) Add(_ context.Context, query string, doc *ast.QueryDocument) {
	cost := documentCost(query)
	if cost > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[query]; ok {
		el.Value.(*queryEntry).doc = doc
		c.order.MoveToFront(el)
		return
	}
	c.byKey[query] = c.order.PushFront(&queryEntry{key: query, doc: doc})
	c.size += cost
	for c.size > c.max {
		el := c.order.Back()
		e := el.Value.(*queryEntry)
		c.order.Remove(el)
		delete(c.byKey, e.key)
		c.size -= documentCost(e.key)
	}
}
