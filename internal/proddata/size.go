// Package proddata fills a migrated PostgreSQL database with a dataset of
// production size (a million alerts by default) in seconds, with SQL set
// operations (INSERT … SELECT generate_series), never through the API.
// Plan tests and benchmarks of the lists and the event paths run on it.
//
// The data follows what the pipeline writes: every ticket was opened by
// the first alert of its condition (its dedup key), later firings of the
// condition are alerts linked to the same ticket with an occurrence
// comment, the head alert and alert_conditions carry the count, and one
// condition storms with tens of thousands of occurrences on one open
// ticket. Most alerts are resolved; some thousands are active,
// acknowledged or suppressed; some come from organizations no mapping
// covers.
package proddata

// Size is how much to load. Scaled gives the production proportions for a
// number of alerts; a field can then be changed on its own.
type Size struct {
	// Alerts in all, the storm's included.
	Alerts int
	// OpenTickets and ClosedTickets each have one condition group of 1–4
	// alerts (the storm ticket is one of the open ones).
	OpenTickets   int
	ClosedTickets int
	// StormOccurrences is how many alerts the storm condition has on its
	// open ticket.
	StormOccurrences int
	Clients          int
	// Assets each have a device on every integration of the tenant.
	Assets      int
	Technicians int
	// UnmappedOrganizations are the organizations of the alerts kept
	// unmapped (1.5% of the alerts without a ticket).
	UnmappedOrganizations int
}

// Production is the production-size dataset: a million alerts.
var Production = Scaled(1_000_000)

// Scaled returns the proportions of Production for n alerts: 20,000 open
// and 80,000 closed tickets, 50,000 storm occurrences, 200 clients and
// 10,000 assets per million alerts, with floors that keep small datasets
// meaningful.
func Scaled(n int) Size {
	per := func(perMillion, floor int) int { return max(floor, int(int64(n)*int64(perMillion)/1_000_000)) }
	return Size{
		Alerts:                n,
		OpenTickets:           per(20_000, 10),
		ClosedTickets:         per(80_000, 10),
		StormOccurrences:      per(50_000, 5),
		Clients:               per(200, 5),
		Assets:                per(10_000, 20),
		Technicians:           20,
		UnmappedOrganizations: per(100, 3),
	}
}

// tickets is the number of tickets in all.
func (s Size) tickets() int { return s.OpenTickets + s.ClosedTickets }

// groupSize is the number of alerts of ticket i's condition group (i from
// 1), the storm's aside.
func groupSize(i int) int { return 1 + i%4 }

// isOpen reports whether ticket i (from 1) is open: the open ones are
// spread evenly over the tickets, so old tickets stay open too.
func (s Size) isOpen(i int) bool {
	t := int64(s.tickets())
	o := int64(s.OpenTickets)
	return int64(i)*o/t > int64(i-1)*o/t
}

// stormTicket is the ticket index of the storm: the first open ticket
// from the middle of the period on.
func (s Size) stormTicket() int {
	for i := max(1, s.tickets()/2); i <= s.tickets(); i++ {
		if s.isOpen(i) {
			return i
		}
	}
	return 0
}

// linked is the number of alerts on tickets.
func (s Size) linked() int {
	n, storm := 0, s.stormTicket()
	for i := 1; i <= s.tickets(); i++ {
		if i == storm {
			n += s.StormOccurrences
		} else {
			n += groupSize(i)
		}
	}
	return n
}
