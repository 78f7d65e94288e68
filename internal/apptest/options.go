package apptest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/signin"
	"github.com/alertdesk/alertdesk/store"
)

// Options vary NewWith.
type Options struct {
	// Redis carries the live feed; without it subscriptions are unavailable.
	Redis redis.UniversalClient
	// ReplicaOf, when set, makes the new Env a second replica of that one:
	// its own pool on the same PostgreSQL database, its demo data, no seed.
	ReplicaOf *Env
	// Limits are the replica's pool sizes and timeouts (with ReplicaOf;
	// store.DefaultLimits when nil).
	Limits *store.Limits
	// SequentialTenantIDs keeps tenant ids starting at 1. By default they
	// start at a random large number, so Redis channels named after
	// tenants (the live feed) never collide between tests, or packages,
	// sharing the machine's Redis.
	SequentialTenantIDs bool
	// Empty skips the demo seed: the database is migrated and holds
	// nothing, as a new installation's does (Env.Demo is nil).
	Empty bool
	// Outbound is the guard of the API's and services' outbound requests;
	// by default AllowLoopback(), since fake RMMs and receivers listen on
	// 127.0.0.1.
	Outbound *outbound.Guard
	// Mailer sends invitations and password resets (an SMTP client of a
	// test's smtptest server); without it their links go to the log.
	Mailer notify.Mailer
	// TrustedProxies are the reverse proxies whose X-Forwarded-For the
	// server believes.
	TrustedProxies clientip.Proxies
	// OIDC is the single sign-on provider, if any.
	OIDC *signin.OIDC
}

// AllowLoopback is the guard tests give the services they build: the
// public internet and loopback, allowed through the allowlist as
// ALERTDESK_OUTBOUND_ALLOW=127.0.0.0/8,::1 would.
func AllowLoopback(t testing.TB) *outbound.Guard {
	t.Helper()
	allow, err := outbound.ParseAllow("127.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	return outbound.New(allow)
}

func (o Options) store(t testing.TB, dialect string) (*store.Store, *seed.Result) {
	t.Helper()
	ctx := context.Background()
	if o.ReplicaOf != nil {
		var opts []store.Option
		if o.Limits != nil {
			opts = append(opts, store.WithLimits(*o.Limits))
		}
		st, err := store.Connect(ctx, storetest.URL(t, o.ReplicaOf.Store), "", opts...)
		if err != nil {
			t.Fatalf("replica store: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st, o.ReplicaOf.Demo
	}
	st := storetest.Open(t, dialect)
	if !o.SequentialTenantIDs {
		bumpTenantIDs(t, st)
	}
	if o.Empty {
		return st, nil
	}
	demo, err := seed.Demo(ctx, st, seed.Options{DataDir: t.TempDir(), PublicURL: PublicURL, Secrets: storetest.Secrets(t)})
	if err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	return st, demo
}

// bumpTenantIDs makes the next tenant id a random number above a million.
func bumpTenantIDs(t testing.TB, st *store.Store) {
	t.Helper()
	n := 1_000_000 + rand.IntN(1_000_000_000)
	var err error
	if st.IsPostgres() {
		_, err = st.DB.Exec(fmt.Sprintf("ALTER TABLE tenants ALTER COLUMN id RESTART WITH %d", n))
	} else {
		// AUTOINCREMENT continues after sqlite_sequence's value.
		_, err = st.DB.Exec("DELETE FROM sqlite_sequence WHERE name = 'tenants'")
		if err == nil {
			_, err = st.DB.Exec("INSERT INTO sqlite_sequence (name, seq) VALUES ('tenants', ?)", n-1)
		}
	}
	if err != nil {
		t.Fatalf("bump tenant ids: %v", err)
	}
}

// Redis returns a client of the machine's Redis (skipping or failing the
// test like the other services when it is down), closed at the end.
func Redis(t testing.TB) redis.UniversalClient {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { c.Close() })
	return c
}
