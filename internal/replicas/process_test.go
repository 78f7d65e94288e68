package replicas

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/redistest"
)

// buildBinary builds cmd/alertdesk once into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "alertdesk")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/alertdesk")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// redisDB reserves a database of the machine's Redis for this run (DB 0 is
// the other tests', with key prefixes): task ids and fan-out markers name
// entry ids, which a scratch database starts again, so the processes need
// a Redis database of their own, emptied before and after. A lock key in
// DB 0 keeps concurrent runs of this test apart.
func redisDB(t *testing.T) string {
	t.Helper()
	addr := redistest.Addr(t)
	ctx := context.Background()
	lockc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { lockc.Close() })
	for db := 8; db <= 12; db++ {
		key := fmt.Sprintf("adtest:replicas:db:%d", db)
		ok, err := lockc.SetNX(ctx, key, os.Getpid(), 10*time.Minute).Result()
		if err != nil {
			t.Fatalf("redis: %v", err)
		}
		if !ok {
			continue
		}
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		if err := c.FlushDB(ctx).Err(); err != nil {
			t.Fatalf("redis: flush DB %d: %v", db, err)
		}
		t.Cleanup(func() {
			c.FlushDB(context.Background())
			c.Close()
			lockc.Del(context.Background(), key)
		})
		return fmt.Sprintf("redis://%s/%d", addr, db)
	}
	t.Fatal("redis: databases 8-12 are all taken by other runs of this test")
	return ""
}

// secretKey is a fresh ALERTDESK_SECRET_KEY, shared by every replica.
func secretKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is one alertdesk process; restart starts it again on the same
// addresses and data folder.
type proc struct {
	t      *testing.T
	name   string
	bin    string
	env    []string
	dir    string
	health string // base URL serving /readyz
	base   string // API base URL ("" for a worker)
	cmd    *exec.Cmd
	done   chan struct{}
	starts int
}

func newProc(t *testing.T, bin, name, role string, common []string, demo bool) *proc {
	p := &proc{t: t, name: name, bin: bin, dir: t.TempDir()}
	addr := freeAddr(t)
	p.env = append(append([]string{}, common...), "ALERTDESK_ROLE="+role, "ALERTDESK_DATA_DIR="+p.dir)
	if demo {
		p.env = append(p.env, "ALERTDESK_DEMO=on")
	} else {
		p.env = append(p.env, "ALERTDESK_DEMO=off")
	}
	if role == "worker" {
		p.env = append(p.env, "ALERTDESK_WORKER_ADDR="+addr, "ALERTDESK_ADDR="+freeAddr(t))
		p.health = "http://" + addr
	} else {
		p.env = append(p.env, "ALERTDESK_ADDR="+addr)
		p.health, p.base = "http://"+addr, "http://"+addr
	}
	t.Cleanup(p.stop)
	return p
}

// start starts the process and waits for its /readyz.
func (p *proc) start(ctx context.Context) {
	p.t.Helper()
	p.starts++
	logf, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("log-%d.txt", p.starts)))
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(p.bin, "serve")
	p.cmd.Env, p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = p.env, p.dir, logf, logf
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("%s: start: %v", p.name, err)
	}
	done := make(chan struct{})
	p.done = done
	cmd := p.cmd
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(p.health + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-done:
			p.t.Fatalf("%s exited at start:\n%s", p.name, p.logs())
		case <-ctx.Done():
			p.t.Fatalf("%s: %v", p.name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s not ready after 90 s:\n%s", p.name, p.logs())
		}
	}
}

// kill ends the process with SIGKILL: no drain, no shutdown.
func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("%s: kill: %v", p.name, err)
	}
	<-p.done
}

// stop ends the process with SIGTERM (SIGKILL after 20 s).
func (p *proc) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logs returns the end of every log of the process.
func (p *proc) logs() string {
	var b strings.Builder
	for i := 1; i <= p.starts; i++ {
		data, _ := os.ReadFile(filepath.Join(p.dir, fmt.Sprintf("log-%d.txt", i)))
		if len(data) > 6000 {
			data = data[len(data)-6000:]
		}
		fmt.Fprintf(&b, "--- %s, run %d ---\n%s\n", p.name, i, data)
	}
	return b.String()
}
