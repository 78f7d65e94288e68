package graph

import (
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/secrets"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/signin"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/workflow"
)

// Resolver is the root of every resolver; it holds the API's dependencies.
type Resolver struct {
	// db is the tenant-scoped client: every read and write of a resolver
	// goes through it (or a transaction of it).
	db        *ent.Client
	store     *store.Store
	pipeline  *pipeline.Pipeline
	desk      *desk.Desk
	rdb       redis.UniversalClient
	publicURL string
	log       *slog.Logger
	connect   *connect.Service
	events    *workflow.Service
	enqueuer  Enqueuer
	feedLoads *feedLoads
	feedHub   *feed.Hub // nil without Redis
	// sessions are the open WebSockets (see announce).
	sessions *auth.Sessions
	// links sends invitations.
	links *signin.Links
	// secrets seals and opens webhook secrets; outbound checks base URLs.
	secrets  *secrets.Box
	outbound *outbound.Guard
}
