package rule

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestCacheVersions(t *testing.T) {
	var c Cache // the zero value is usable
	v1 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	r := Rule{ID: 1, Version: v1, Conditions: Conditions{MessagePattern: `disk`}}

	a, err := c.Get(r)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := c.Get(r); b != a {
		t.Error("same version must return the same *Compiled")
	}
	same := r
	same.Version = v1.In(time.FixedZone("X", 3600)) // same instant, other zone
	same.Conditions.MessagePattern = "disk"
	if b, _ := c.Get(same); b != a {
		t.Error("an equal version must return the same *Compiled")
	}

	r2 := r
	r2.Version = v1.Add(time.Second)
	r2.Conditions = Conditions{MessagePattern: `cpu`}
	b, err := c.Get(r2)
	if err != nil || b == a {
		t.Fatalf("new version must recompile: %v", err)
	}
	ev := sampleEvent()
	ev.Message = "cpu high"
	if ok, _ := b.Match(ev); !ok {
		t.Error("new version must use the new conditions")
	}
	if len(c.m) != 1 {
		t.Errorf("cache holds %d entries, want 1 (stale version dropped)", len(c.m))
	}

}

// Without a Version, the content decides.
func TestCacheUnversioned(t *testing.T) {
	var c Cache
	r := Rule{ID: 1, Conditions: Conditions{MessagePattern: `disk`}}
	a, _ := c.Get(r)
	if b, _ := c.Get(Rule{ID: 1, Conditions: Conditions{MessagePattern: "disk"}}); b != a {
		t.Error("same content must hit")
	}
	r.Conditions = Conditions{MessagePattern: `memory`}
	if b, _ := c.Get(r); b == a {
		t.Error("changed conditions without a Version must recompile")
	}
}

func TestCacheCopiesConditions(t *testing.T) {
	var c Cache
	kw := []string{"disk"}
	r := Rule{ID: 1, Conditions: Conditions{Keywords: kw}}
	a, _ := c.Get(r)
	kw[0] = "cpu" // caller reuses its slice
	if b, _ := c.Get(r); b == a {
		t.Error("cache compared against the caller's mutated slice")
	}
}

func TestCacheCachesFailures(t *testing.T) {
	var c Cache
	r := Rule{ID: 1, Conditions: Conditions{MessagePattern: `(`}}
	_, err1 := c.Get(r)
	_, err2 := c.Get(r)
	if err1 == nil || err1 != err2 {
		t.Errorf("compile failure must be cached: %v, %v", err1, err2)
	}
}

func TestCacheBounded(t *testing.T) {
	c := &Cache{Size: 3}
	for id := 1; id <= 10; id++ {
		if _, err := c.Get(Rule{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.m) != 3 {
		t.Errorf("cache holds %d rules, want 3", len(c.m))
	}
	if NewCache().size() != DefaultCacheSize {
		t.Error("NewCache must use DefaultCacheSize")
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache()
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	rules := make([]Rule, 20)
	for i := range rules {
		rules[i] = Rule{
			ID: i + 1, Name: fmt.Sprint("r", i), Active: true, PriorityOrder: i, Version: base,
			Conditions: Conditions{MessagePattern: fmt.Sprintf(`(?i)pattern %d$`, i)},
		}
	}
	ev := sampleEvent()
	ev.Message = "PATTERN 19"
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				rs := rules
				if (g+i)%10 == 0 {
					// A writer publishing a new version of one rule.
					rs = append([]Rule(nil), rules...)
					rs[3].Version = base.Add(time.Duration(i) * time.Second)
				}
				res := c.Evaluate(rs, ev)
				if res.Rule == nil || res.Rule.ID != 20 {
					t.Errorf("Evaluate = %+v", res.Rule)
					return
				}
			}
		}()
	}
	wg.Wait()
}
