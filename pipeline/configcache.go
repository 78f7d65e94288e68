package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/rule"
)

// maxConfigs bounds the cache: one entry per integration that had events.
const maxConfigs = 10000

// configCache keeps each integration's newest Config. An entry serves
// every event that read a configuration version no newer than its own; a
// newer version means something changed, and the event loads afresh.
// Events that need a version being loaded wait for that load instead of
// running their own: after a change, every concurrent event of the
// integration would otherwise load it at once.
type configCache struct {
	rules *rule.Cache

	// wait bounds how long an event waits for another's load before it
	// loads for itself: a load blocked behind a lock must not hold the
	// others.
	wait time.Duration

	mu      sync.Mutex
	m       map[configKey]*Config
	loading map[configKey]*configLoad
}

// configLoad is a load in flight; cfg is set, or left nil when it failed,
// before done is closed.
type configLoad struct {
	version int64
	done    chan struct{}
	cfg     *Config
}

type configKey struct{ tenantID, integrationID int }

func newConfigCache() *configCache {
	return &configCache{rules: rule.NewCache(), wait: time.Second,
		m: make(map[configKey]*Config), loading: make(map[configKey]*configLoad)}
}

// get returns the cached config if it is at least version.
func (c *configCache) get(k configKey, version int64) *Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cfg := c.m[k]; cfg != nil && cfg.Version >= version {
		return cfg
	}
	return nil
}

// put stores cfg unless a newer one is there already.
func (c *configCache) put(k configKey, cfg *Config) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.m[k]; cur != nil && cur.Version >= cfg.Version {
		return
	}
	if _, ok := c.m[k]; !ok && len(c.m) >= maxConfigs {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = cfg
}

// load returns a Config of k at least as new as version: the cached one,
// the one another event is loading, or what its own call of fn loads.
func (c *configCache) load(ctx context.Context, k configKey, version int64, fn func() (*Config, error)) (*Config, error) {
	c.mu.Lock()
	if cfg := c.m[k]; cfg != nil && cfg.Version >= version {
		c.mu.Unlock()
		return cfg, nil
	}
	if l := c.loading[k]; l != nil && l.version >= version {
		c.mu.Unlock()
		t := time.NewTimer(c.wait)
		defer t.Stop()
		select {
		case <-l.done:
			if l.cfg != nil {
				return l.cfg, nil
			}
		case <-t.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for config: %w", ctx.Err())
		}
		return c.loadOwn(k, version, fn)
	}
	l := &configLoad{version: version, done: make(chan struct{})}
	c.loading[k] = l
	c.mu.Unlock()
	return c.finish(k, l, fn)
}

// loadOwn runs fn without waiting for anyone, and stores what it loaded.
func (c *configCache) loadOwn(k configKey, version int64, fn func() (*Config, error)) (*Config, error) {
	return c.finish(k, &configLoad{version: version, done: make(chan struct{})}, fn)
}

// finish runs l's load, stores its result and wakes its waiters.
func (c *configCache) finish(k configKey, l *configLoad, fn func() (*Config, error)) (*Config, error) {
	cfg, err := fn()
	if err == nil {
		c.put(k, cfg)
		l.cfg = cfg
	}
	c.mu.Lock()
	if c.loading[k] == l {
		delete(c.loading, k)
	}
	c.mu.Unlock()
	close(l.done)
	return cfg, err
}

// cachedConfig is the routing configuration of the event's version when
// it is already at hand, else nil: it never loads one.
func (p *Pipeline) cachedConfig(s *State) *Config {
	if s.cfg == nil && s.versionRead {
		s.cfg = p.configs.get(configKey{s.Event.TenantID, s.Event.IntegrationID}, s.version)
	}
	return s.cfg
}

// config returns the routing configuration of the event's tenant and
// integration as of the version the event's transaction read, loading it
// through the transaction when the cache has nothing as recent.
func (p *Pipeline) config(ctx context.Context, s *State) (*Config, error) {
	if s.cfg != nil {
		return s.cfg, nil
	}
	tenantID, integrationID := s.Event.TenantID, s.Event.IntegrationID
	if !s.versionRead {
		v, err := s.Tx.Tenant.Query().Where(tenant.ID(tenantID)).Select(tenant.FieldConfigVersion).Int(ctx)
		if err != nil {
			return nil, fmt.Errorf("read config version: %w", err)
		}
		s.version, s.versionRead = int64(v), true
	}
	cfg, err := p.configs.load(ctx, configKey{tenantID, integrationID}, s.version, func() (*Config, error) {
		return LoadConfig(ctx, s.Tx.Client(), tenantID, integrationID, s.version, p.configs.rules)
	})
	if err != nil {
		return nil, err
	}
	s.cfg = cfg
	return cfg, nil
}
