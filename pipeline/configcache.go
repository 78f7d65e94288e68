package pipeline

import (
	"context"
	"fmt"
	"sync"

	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/rule"
)

// maxConfigs bounds the cache: one entry per integration that had events.
const maxConfigs = 10000

// configCache keeps each integration's newest Config. An entry serves
// every event that read a configuration version no newer than its own; a
// newer version means something changed, and the event loads afresh.
type configCache struct {
	rules *rule.Cache

	mu sync.Mutex
	m  map[configKey]*Config
}

type configKey struct{ tenantID, integrationID int }

func newConfigCache() *configCache {
	return &configCache{rules: rule.NewCache(), m: make(map[configKey]*Config)}
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
	k := configKey{tenantID, integrationID}
	if cfg := p.configs.get(k, s.version); cfg != nil {
		s.cfg = cfg
		return cfg, nil
	}
	cfg, err := LoadConfig(ctx, s.Tx.Client(), tenantID, integrationID, s.version, p.configs.rules)
	if err != nil {
		return nil, err
	}
	p.configs.put(k, cfg)
	s.cfg = cfg
	return cfg, nil
}
