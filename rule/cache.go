package rule

import (
	"slices"
	"sync"
	"time"
)

// DefaultCacheSize bounds a Cache: the number of rules (not versions) kept.
const DefaultCacheSize = 10000

// Cache holds compiled rules so that each rule version's regexp is compiled
// once. Rule.Version must change whenever the conditions do (updated_at
// does); rules without a Version are compared by content. It keeps one
// version per rule ID, a new version replacing the old one, and beyond Size
// rules drops an arbitrary one (deleted rules would otherwise linger). The
// zero value is ready to use; a Cache is safe for concurrent use.
type Cache struct {
	// Size caps the number of rules kept; 0 means DefaultCacheSize. Set it
	// before first use.
	Size int

	mu sync.RWMutex
	m  map[int]*cacheEntry
}

// cacheEntry is one rule version's compile outcome; failures are cached too
// so a broken pattern is not recompiled for every alert.
type cacheEntry struct {
	version time.Time
	src     Conditions
	c       *Compiled
	err     error
}

// NewCache returns an empty cache of DefaultCacheSize.
func NewCache() *Cache { return &Cache{} }

// Get returns r compiled, compiling it on first use of its (ID, Version).
func (c *Cache) Get(r Rule) (*Compiled, error) {
	c.mu.RLock()
	e := c.m[r.ID]
	c.mu.RUnlock()
	if !e.fresh(&r) {
		e = c.load(&r)
	}
	return e.c, e.err
}

// load compiles r and stores the outcome, replacing an older version. The
// caller must not hold c.mu.
func (c *Cache) load(r *Rule) *cacheEntry {
	compiled, err := Compile(*r)
	e := &cacheEntry{version: r.Version, c: compiled, err: err}
	if r.Version.IsZero() {
		e.src = cloneConditions(r.Conditions)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	// Another goroutine may have stored this version meanwhile: keep one
	// *Compiled per version.
	if cur := c.m[r.ID]; cur.fresh(r) {
		return cur
	}
	if c.m == nil {
		c.m = make(map[int]*cacheEntry)
	}
	if _, ok := c.m[r.ID]; !ok && len(c.m) >= c.size() {
		for id := range c.m {
			delete(c.m, id)
			break
		}
	}
	c.m[r.ID] = e
	return e
}

func (c *Cache) size() int {
	if c.Size > 0 {
		return c.Size
	}
	return DefaultCacheSize
}

// fresh reports whether e was compiled from r's version. A set Version is
// trusted (updated_at changes with every edit), which keeps a hit to one
// map lookup; without one the conditions themselves are compared.
func (e *cacheEntry) fresh(r *Rule) bool {
	if e == nil || !e.version.Equal(r.Version) {
		return false
	}
	return !r.Version.IsZero() || sameConditions(&e.src, &r.Conditions)
}

func sameConditions(a, b *Conditions) bool {
	return a.MessagePattern == b.MessagePattern &&
		slices.Equal(a.Severities, b.Severities) &&
		slices.Equal(a.ActivityTypes, b.ActivityTypes) &&
		slices.Equal(a.AlertClasses, b.AlertClasses) &&
		slices.Equal(a.SourceTypes, b.SourceTypes) &&
		slices.Equal(a.OrganizationIDs, b.OrganizationIDs) &&
		slices.Equal(a.Keywords, b.Keywords)
}

// cloneConditions copies the lists so a caller reusing its slices cannot
// change what an unversioned entry is compared against.
func cloneConditions(c Conditions) Conditions {
	c.Severities = slices.Clone(c.Severities)
	c.ActivityTypes = slices.Clone(c.ActivityTypes)
	c.AlertClasses = slices.Clone(c.AlertClasses)
	c.SourceTypes = slices.Clone(c.SourceTypes)
	c.OrganizationIDs = slices.Clone(c.OrganizationIDs)
	c.Keywords = slices.Clone(c.Keywords)
	return c
}
