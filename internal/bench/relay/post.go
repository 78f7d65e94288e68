package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/alertdesk/alertdesk/fixtures"
)

// client is shared by all requests, with enough idle connections for the
// ingest concurrency.
var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

// webhookBody is the NinjaOne trigger fixture as a distinct alert with its
// own device (so its own condition and ticket), in the demo client's
// organization; base keeps the device ids of phases apart.
func webhookBody(tag string, base, n int) []byte {
	var m map[string]any
	if err := json.Unmarshal(fixtures.Read("ninjaone-condition-triggered.json"), &m); err != nil {
		panic(err)
	}
	id := int64(base + n)
	m["id"] = id
	m["seriesUid"] = fmt.Sprintf("bench-%s-%07d", tag, n)
	m["deviceId"] = id
	dev := m["device"].(map[string]any)
	dev["id"] = id
	dev["organizationId"] = 2
	b, _ := json.Marshal(m)
	return b
}

// postWebhook posts one NinjaOne webhook and returns the alert id.
func postWebhook(s *server, body []byte) (int, error) {
	id, header, secret := s.ninja()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/webhooks/ninjaone/%d", s.base, id), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(header, secret)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return 0, fmt.Errorf("webhook: %d %s", resp.StatusCode, b)
	}
	var r struct {
		AlertID int `json:"alertId"`
	}
	_ = json.Unmarshal(b, &r)
	return r.AlertID, nil
}

// graphql runs an operation as the demo admin.
func graphql(s *server, query string, vars map[string]any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, s.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.demo.AdminToken)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil || resp.StatusCode != 200 || len(r.Errors) > 0 {
		return fmt.Errorf("graphql: %d %s", resp.StatusCode, b)
	}
	return nil
}
