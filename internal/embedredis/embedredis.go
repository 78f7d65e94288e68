// Package embedredis runs an in-process, Redis-compatible server (miniredis)
// for the embedded default, so alertdesk needs no Redis to try it out.
//
// It speaks RESP on a real TCP socket, so go-redis and asynq connect to it
// as to any Redis. It keeps everything in memory: queued jobs are lost on
// restart (side effects survive in the database outbox). It is meant for a
// single process, not for load.
package embedredis

import (
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// tick is how often key TTLs advance. miniredis only expires keys when told
// time has passed; a tick bounds how late a key may expire. (miniredis's own
// ClockTTL would do it on every command, but re-sorts all keys each time.)
const tick = 250 * time.Millisecond

// Server is a running in-process Redis-compatible server.
type Server struct {
	m    *miniredis.Miniredis
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves until
// Close.
func Start(addr string) (*Server, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("embedredis: listen on %s: %w", addr, err)
	}
	s := &Server{m: m, stop: make(chan struct{}), done: make(chan struct{})}
	go s.clock()
	return s, nil
}

// clock advances TTLs by the wall-clock time that really passed.
func (s *Server) clock() {
	defer close(s.done)
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			// Monotonic difference: wall-clock jumps don't expire keys.
			s.m.FastForward(now.Sub(last))
			last = now
		}
	}
}

// Addr returns the host:port clients connect to.
func (s *Server) Addr() string { return s.m.Addr() }

// Close stops the server and its clock. It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.m.Close()
	})
}
