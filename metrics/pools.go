package metrics

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

// DBPools reports the statistics of each named pool at scrape time
// (main, webhook ingest, control on PostgreSQL; main alone on SQLite), as
// the function returns them (store.Store.PoolStats).
type DBPools func() map[string]sql.DBStats

var (
	poolOpen     = prometheus.NewDesc("alertdesk_db_pool_open_connections", "Open connections of a database pool, in use and idle.", []string{"pool"}, nil)
	poolInUse    = prometheus.NewDesc("alertdesk_db_pool_in_use_connections", "Connections of a database pool in use.", []string{"pool"}, nil)
	poolIdle     = prometheus.NewDesc("alertdesk_db_pool_idle_connections", "Idle connections of a database pool.", []string{"pool"}, nil)
	poolMax      = prometheus.NewDesc("alertdesk_db_pool_max_open_connections", "Most connections a database pool may open.", []string{"pool"}, nil)
	poolWaits    = prometheus.NewDesc("alertdesk_db_pool_wait_count_total", "Times a request waited for a connection of a database pool.", []string{"pool"}, nil)
	poolWaitTime = prometheus.NewDesc("alertdesk_db_pool_wait_duration_seconds_total", "Time spent waiting for connections of a database pool.", []string{"pool"}, nil)
)

// Describe implements prometheus.Collector.
func (DBPools) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolOpen, poolInUse, poolIdle, poolMax, poolWaits, poolWaitTime} {
		ch <- d
	}
}

// Collect implements prometheus.Collector; sql.DB.Stats takes no lock a
// query holds, so a scrape never waits on the database.
func (p DBPools) Collect(ch chan<- prometheus.Metric) {
	for name, s := range p() {
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWaitTime, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}
