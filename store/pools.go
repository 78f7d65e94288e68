package store

import (
	"database/sql"
	"time"
)

// PoolStats are the statistics of the store's connection pools by name:
// "main", and on PostgreSQL "ingest" (webhooks) and "control" (health and
// token checks). A pool that admits transactions in order (ingest) counts
// the waits for a turn as waits for a connection: its transactions wait
// there instead.
func (s *Store) PoolStats() map[string]sql.DBStats {
	p := map[string]sql.DBStats{"main": s.stats()}
	if s.ingest != nil {
		p["ingest"] = s.ingest.stats()
	}
	if s.control != nil {
		p["control"] = s.control.Stats()
	}
	return p
}

func (s *Store) stats() sql.DBStats {
	st := s.DB.Stats()
	if s.turns != nil {
		st.WaitCount += s.turns.waits.Load()
		st.WaitDuration += time.Duration(s.turns.waited.Load())
	}
	return st
}
