package store

import "database/sql"

// Pools are the store's connection pools by name, for their statistics:
// "main", and on PostgreSQL "ingest" (webhooks) and "control" (health and
// token checks).
func (s *Store) Pools() map[string]*sql.DB {
	p := map[string]*sql.DB{"main": s.DB}
	if s.ingest != nil {
		p["ingest"] = s.ingest.DB
	}
	if s.control != nil {
		p["control"] = s.control
	}
	return p
}
