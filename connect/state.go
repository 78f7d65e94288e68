package connect

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// errBadState: the state is unknown, expired or already used. The three
// are deliberately not told apart: the key is simply gone.
var errBadState = errors.New("connect: invalid, expired or already used state")

// oauthState is what a state token stands for, kept in Redis until the
// callback consumes it.
type oauthState struct {
	TenantID      int `json:"tenantId"`
	IntegrationID int `json:"integrationId"`
	UserID        int `json:"userId,omitempty"`
	// Host is the NinjaOne instance the admin was sent to; the code is
	// exchanged there.
	Host     string    `json:"host"`
	IssuedAt time.Time `json:"issuedAt"`
}

// stateKey stores the token's hash only, so the key listing leaks nothing
// usable.
func (s *Service) stateKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.keyPrefix() + "oauth:ninjaone:state:" + hex.EncodeToString(sum[:])
}

// issueState stores a fresh one-time state for st and returns its token.
func (s *Service) issueState(ctx context.Context, st oauthState) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("connect: state: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	v, err := json.Marshal(st)
	if err != nil {
		return "", fmt.Errorf("connect: state: %w", err)
	}
	ok, err := s.Redis.SetNX(ctx, s.stateKey(token), v, s.stateTTL()).Result()
	if err != nil {
		return "", fmt.Errorf("connect: store state: %w", err)
	}
	if !ok {
		return "", errors.New("connect: state collision")
	}
	return token, nil
}

// consumeState returns what token stands for and deletes it in the same
// step (GETDEL), so a state works once even with concurrent callbacks.
func (s *Service) consumeState(ctx context.Context, token string) (oauthState, error) {
	var st oauthState
	if token == "" || len(token) > 200 {
		return st, errBadState
	}
	v, err := s.Redis.GetDel(ctx, s.stateKey(token)).Bytes()
	if errors.Is(err, redis.Nil) {
		return st, errBadState
	}
	if err != nil {
		return st, fmt.Errorf("connect: read state: %w", err)
	}
	if err := json.Unmarshal(v, &st); err != nil || st.TenantID <= 0 || st.IntegrationID <= 0 || st.Host == "" {
		return st, errBadState
	}
	// Redis expires the key; this guards a server whose clock lags.
	if time.Since(st.IssuedAt) > s.stateTTL() {
		return st, errBadState
	}
	return st, nil
}
