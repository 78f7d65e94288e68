package worker_test

import (
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

// inventoryBenchDevices is how many devices a benchmarked sync lists.
const inventoryBenchDevices = 10_000

// BenchmarkInventorySync syncs inventoryBenchDevices devices of a mapped
// organization from a fake NinjaOne (pages of 1000) on each dialect:
// "first" creates their assets, "changed" updates every one (online state
// and last contact moved). The bound is 10 s a sync; run with -benchtime 1x
// (a second iteration's first sync finds the assets made).
func BenchmarkInventorySync(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(d, func(b *testing.B) {
			h := newHarness(b, d, redistest.Addr(b), func(d *worker.Deps) { d.InventoryPageSize = 1000 })
			n := providertest.NewNinjaOne(b)
			in := h.connect(ninja, n.URL, n.Credentials())
			devices := func(offline bool, contact float64) []map[string]any {
				out := make([]map[string]any, inventoryBenchDevices)
				for i := range out {
					out[i] = providertest.NinjaDevice(100+i, 2, "", "host-"+time.Duration(i).String(), "WINDOWS_WORKSTATION", offline, contact)
				}
				return out
			}
			var first, changed time.Duration
			for i := range b.N {
				n.SetInventory(map[int]string{2: "Contoso"}, devices(false, 1765000000+float64(i))...)
				start := time.Now()
				c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
				first += time.Since(start)
				if err != nil || c.Devices != inventoryBenchDevices {
					b.Fatalf("sync = %+v, %v", c, err)
				}
				n.SetInventory(map[int]string{2: "Contoso"}, devices(true, 1765100000+float64(i))...)
				start = time.Now()
				c, err = h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
				changed += time.Since(start)
				if err != nil || c.Updated < inventoryBenchDevices {
					b.Fatalf("resync = %+v, %v", c, err)
				}
			}
			b.ReportMetric(first.Seconds()/float64(b.N), "s/first-sync")
			b.ReportMetric(changed.Seconds()/float64(b.N), "s/changed-sync")
			if first > 10*time.Second*time.Duration(b.N) || changed > 10*time.Second*time.Duration(b.N) {
				b.Errorf("a sync of %d devices took over 10 s", inventoryBenchDevices)
			}
		})
	}
}
