package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRecheckEvery is how often Sessions re-checks every session's
// token in the database, the safety net under the Redis broadcast.
const DefaultRecheckEvery = time.Minute

// recheckBatch bounds the token ids of one re-check query.
const recheckBatch = 500

// Sessions are the process's long-lived authenticated connections (the
// API's WebSockets), by token and by user, so that an auth change ends
// them wherever they are. A Change announced on Redis reaches every
// replica through one subscription per process, held while any session is
// open. What the broadcast misses (Redis down when the change was
// announced, a reconnect gap, a change made without announcing) is caught
// by re-checking all sessions' tokens on every (re)subscription and every
// RecheckEvery.
type Sessions struct {
	Authn *Authenticator
	// Redis carries the changes; without it only the re-checks end
	// sessions.
	Redis redis.UniversalClient
	Log   *slog.Logger
	// RecheckEvery is DefaultRecheckEvery when zero.
	RecheckEvery time.Duration

	mu      sync.Mutex
	all     map[*Session]struct{}
	byToken map[sessionKey]map[*Session]struct{}
	byUser  map[sessionKey]map[*Session]struct{}
	// stop ends the running watch; nil when none runs.
	stop context.CancelFunc
}

// sessionKey is a token or user id within its tenant: ids in a change
// match only sessions of the change's tenant.
type sessionKey struct{ tenant, id int }

// Session is one connection, authenticated as Identity.
type Session struct {
	Identity
	end  func(reason string)
	once sync.Once
}

// Add registers a connection authenticated as id; end closes it, once,
// with the reason (ReasonTokenRevoked, …). Remove it when it closes.
func (s *Sessions) Add(id Identity, end func(reason string)) *Session {
	ss := &Session{Identity: id, end: end}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.all == nil {
		s.all = map[*Session]struct{}{}
		s.byToken = map[sessionKey]map[*Session]struct{}{}
		s.byUser = map[sessionKey]map[*Session]struct{}{}
	}
	s.all[ss] = struct{}{}
	addTo(s.byToken, sessionKey{id.TenantID, id.TokenID}, ss)
	addTo(s.byUser, sessionKey{id.TenantID, id.UserID}, ss)
	if s.stop == nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop = cancel
		go s.watch(ctx)
	}
	return ss
}

// Remove forgets a session; the watch stops with the last one.
func (s *Sessions) Remove(ss *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.all[ss]; !ok {
		return
	}
	delete(s.all, ss)
	removeFrom(s.byToken, sessionKey{ss.TenantID, ss.TokenID}, ss)
	removeFrom(s.byUser, sessionKey{ss.TenantID, ss.UserID}, ss)
	if len(s.all) == 0 && s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Len is the number of open sessions.
func (s *Sessions) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

// End removes a session and closes its connection with the reason.
func (s *Sessions) End(ss *Session, reason string) {
	s.Remove(ss)
	ss.once.Do(func() { ss.end(reason) })
}

// Apply ends the sessions a change names. Announce reaches every replica;
// the replica making the change may also apply it directly, so its own
// sessions end even when Redis is down.
func (s *Sessions) Apply(c Change) int {
	s.mu.Lock()
	var hit []*Session
	if c.TokenID > 0 {
		for ss := range s.byToken[sessionKey{c.TenantID, c.TokenID}] {
			hit = append(hit, ss)
		}
	}
	if c.UserID > 0 {
		for ss := range s.byUser[sessionKey{c.TenantID, c.UserID}] {
			if c.TokenID <= 0 || ss.TokenID != c.TokenID {
				hit = append(hit, ss)
			}
		}
	}
	s.mu.Unlock()
	for _, ss := range hit {
		s.End(ss, c.Reason)
	}
	return len(hit)
}

// Recheck looks the session's token up again and ends the session when it
// no longer authenticates as it did: revoked, or its user's role changed.
// It returns the reason it ended the session for, "" when it is still
// valid. The API re-checks before every operation on a WebSocket.
func (s *Sessions) Recheck(ctx context.Context, ss *Session) (string, error) {
	cur, err := s.Authn.Current(ctx, ss.TokenID)
	if err != nil {
		return "", err
	}
	reason := staleReason(ss, cur)
	if reason != "" {
		s.End(ss, reason)
	}
	return reason, nil
}

// RecheckAll is Recheck for every open session, a query per batch of
// tokens; it returns how many sessions it ended.
func (s *Sessions) RecheckAll(ctx context.Context) (int, error) {
	s.mu.Lock()
	open := make([]*Session, 0, len(s.all))
	seen := make(map[int]bool, len(s.all))
	var tokens []int
	for ss := range s.all {
		open = append(open, ss)
		if !seen[ss.TokenID] {
			seen[ss.TokenID] = true
			tokens = append(tokens, ss.TokenID)
		}
	}
	s.mu.Unlock()
	cur := make(map[int]Identity, len(tokens))
	for len(tokens) > 0 {
		n := min(len(tokens), recheckBatch)
		m, err := s.Authn.Current(ctx, tokens[:n]...)
		if err != nil {
			return 0, err
		}
		for id, v := range m {
			cur[id] = v
		}
		tokens = tokens[n:]
	}
	ended := 0
	for _, ss := range open {
		if r := staleReason(ss, cur); r != "" {
			s.End(ss, r)
			ended++
		}
	}
	return ended, nil
}

// staleReason is why a session no longer matches its token's current
// identity, "" when it does.
func staleReason(ss *Session, cur map[int]Identity) string {
	id, ok := cur[ss.TokenID]
	switch {
	case !ok || id.TenantID != ss.TenantID || id.UserID != ss.UserID:
		return ReasonTokenRevoked
	case id.Viewer != ss.Viewer:
		return ReasonRoleChanged
	}
	return ""
}

// watch applies announced changes and re-checks all sessions until ctx
// ends: on every (re)subscription, since changes announced while not
// subscribed were missed, and every RecheckEvery.
func (s *Sessions) watch(ctx context.Context) {
	every := s.RecheckEvery
	if every <= 0 {
		every = DefaultRecheckEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var changes <-chan any
	if s.Redis != nil {
		// Subscribing again after a lost connection is go-redis's; each
		// confirmation arrives as a *redis.Subscription.
		sub := s.Redis.Subscribe(ctx, ChangesChannel)
		defer sub.Close()
		changes = sub.ChannelWithSubscriptions()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.recheckAll(ctx)
		case m, ok := <-changes:
			if !ok {
				changes = nil
				continue
			}
			switch m := m.(type) {
			case *redis.Subscription:
				if m.Kind == "subscribe" {
					s.recheckAll(ctx)
				}
			case *redis.Message:
				c, err := decodeChange(m.Payload)
				if err != nil {
					s.log().WarnContext(ctx, "auth: dropping bad change", "err", err)
					continue
				}
				s.Apply(c)
			}
		}
	}
}

func (s *Sessions) recheckAll(ctx context.Context) {
	if _, err := s.RecheckAll(ctx); err != nil && ctx.Err() == nil {
		s.log().WarnContext(ctx, "auth: re-check sessions", "err", err)
	}
}

func (s *Sessions) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func addTo(m map[sessionKey]map[*Session]struct{}, k sessionKey, ss *Session) {
	set := m[k]
	if set == nil {
		set = map[*Session]struct{}{}
		m[k] = set
	}
	set[ss] = struct{}{}
}

func removeFrom(m map[sessionKey]map[*Session]struct{}, k sessionKey, ss *Session) {
	if set := m[k]; set != nil {
		delete(set, ss)
		if len(set) == 0 {
			delete(m, k)
		}
	}
}
