package embedredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/internal/embedredis"
)

// TestAsynq: the job system runs on the embedded server (enqueue, process,
// schedule with delay, unique tasks).
func TestAsynq(t *testing.T) {
	srv, err := embedredis.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	opt := asynq.RedisClientOpt{Addr: srv.Addr()}

	client := asynq.NewClient(opt)
	defer client.Close()

	done := make(chan string, 10)
	mux := asynq.NewServeMux()
	mux.HandleFunc("t:echo", func(ctx context.Context, task *asynq.Task) error {
		done <- string(task.Payload())
		return nil
	})
	worker := asynq.NewServer(opt, asynq.Config{Concurrency: 2, LogLevel: asynq.ErrorLevel, DelayedTaskCheckInterval: 100 * time.Millisecond})
	if err := worker.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer worker.Shutdown()

	if _, err := client.Enqueue(asynq.NewTask("t:echo", []byte("now"))); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(asynq.NewTask("t:echo", []byte("later")), asynq.ProcessIn(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(asynq.NewTask("t:echo", []byte("unique")), asynq.Unique(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(asynq.NewTask("t:echo", []byte("unique")), asynq.Unique(time.Minute)); err == nil {
		t.Fatal("duplicate unique task accepted")
	}
	got := map[string]bool{}
	timeout := time.After(10 * time.Second)
	for len(got) < 3 {
		select {
		case p := <-done:
			got[p] = true
		case <-timeout:
			t.Fatalf("processed %v, want now, later, unique", got)
		}
	}
}
