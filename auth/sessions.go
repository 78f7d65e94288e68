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
	// bySignIn holds the connections of sign-in sessions (cookies).
	bySignIn map[sessionKey]map[*Session]struct{}
	byUser   map[sessionKey]map[*Session]struct{}
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
		s.bySignIn = map[sessionKey]map[*Session]struct{}{}
		s.byUser = map[sessionKey]map[*Session]struct{}{}
	}
	s.all[ss] = struct{}{}
	if id.TokenID > 0 {
		addTo(s.byToken, sessionKey{id.TenantID, id.TokenID}, ss)
	}
	if id.SessionID > 0 {
		addTo(s.bySignIn, sessionKey{id.TenantID, id.SessionID}, ss)
	}
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
	removeFrom(s.bySignIn, sessionKey{ss.TenantID, ss.SessionID}, ss)
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
	hit := map[*Session]struct{}{}
	if c.TokenID > 0 {
		for ss := range s.byToken[sessionKey{c.TenantID, c.TokenID}] {
			hit[ss] = struct{}{}
		}
	}
	if c.SessionID > 0 {
		for ss := range s.bySignIn[sessionKey{c.TenantID, c.SessionID}] {
			hit[ss] = struct{}{}
		}
	}
	if c.UserID > 0 {
		for ss := range s.byUser[sessionKey{c.TenantID, c.UserID}] {
			hit[ss] = struct{}{}
		}
	}
	s.mu.Unlock()
	for ss := range hit {
		s.End(ss, c.Reason)
	}
	return len(hit)
}

// Recheck looks the session's token up again and ends the session when it
// no longer authenticates as it did: revoked, or its user's role changed.
// It returns the reason it ended the session for, "" when it is still
// valid. The API re-checks before every operation on a WebSocket.
func (s *Sessions) Recheck(ctx context.Context, ss *Session) (string, error) {
	var cur current
	var err error
	if ss.SessionID > 0 {
		cur.signIns, err = s.Authn.CurrentSessions(ctx, ss.SessionID)
	} else {
		cur.tokens, err = s.Authn.Current(ctx, ss.TokenID)
	}
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
	seenToken := make(map[int]bool, len(s.all))
	seenSignIn := make(map[int]bool)
	var tokens, signIns []int
	for ss := range s.all {
		open = append(open, ss)
		switch {
		case ss.SessionID > 0 && !seenSignIn[ss.SessionID]:
			seenSignIn[ss.SessionID] = true
			signIns = append(signIns, ss.SessionID)
		case ss.SessionID <= 0 && !seenToken[ss.TokenID]:
			seenToken[ss.TokenID] = true
			tokens = append(tokens, ss.TokenID)
		}
	}
	s.mu.Unlock()
	cur := current{tokens: map[int]Identity{}, signIns: map[int]Identity{}}
	if err := recheckIn(ctx, tokens, cur.tokens, s.Authn.Current); err != nil {
		return 0, err
	}
	if err := recheckIn(ctx, signIns, cur.signIns, s.Authn.CurrentSessions); err != nil {
		return 0, err
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

// current are the identities API tokens and sign-in sessions
// authenticate now, by id.
type current struct{ tokens, signIns map[int]Identity }

// recheckIn looks ids up in batches into out.
func recheckIn(ctx context.Context, ids []int, out map[int]Identity, look func(context.Context, ...int) (map[int]Identity, error)) error {
	for len(ids) > 0 {
		n := min(len(ids), recheckBatch)
		m, err := look(ctx, ids[:n]...)
		if err != nil {
			return err
		}
		for id, v := range m {
			out[id] = v
		}
		ids = ids[n:]
	}
	return nil
}

// staleReason is why a session no longer matches its token's current
// identity, "" when it does.
func staleReason(ss *Session, cur current) string {
	id, ok := cur.tokens[ss.TokenID]
	if ss.SessionID > 0 {
		id, ok = cur.signIns[ss.SessionID]
		if !ok {
			return ReasonSignedOut
		}
	}
	switch {
	case ok && id.Deactivated && id.TenantID == ss.TenantID && id.UserID == ss.UserID:
		return ReasonUserDeactivated
	case !ok || id.Deactivated || id.TenantID != ss.TenantID || id.UserID != ss.UserID:
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
