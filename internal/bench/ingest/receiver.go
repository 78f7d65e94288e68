package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
)

// receiver is a webhook receiver on loopback that takes every delivery
// (204). The preloaded tenant's event subscription points at it: a
// receiver that cannot be reached makes every event's delivery fail and
// retry, work the empty database's tenant (no subscription) never does,
// and an MSP in month three has a receiver that answers.
type receiver struct {
	srv *http.Server
	url string
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("receiver: %w", err)
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/alertdesk"}
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) close() {
	if r != nil {
		_ = r.srv.Close()
	}
}
