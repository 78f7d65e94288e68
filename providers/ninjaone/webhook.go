package ninjaone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Webhook is the activity webhook NinjaOne posts to.
type Webhook struct {
	// URL receives the activities.
	URL string
	// Headers are sent with every delivery (the integration's secret).
	Headers map[string]string
}

// RegisterWebhook points the instance's webhook at w for condition
// activities with the device expanded: PUT /v2/webhook, answered 204. It
// needs a token of a system administrator.
func (c *Client) RegisterWebhook(ctx context.Context, w Webhook) error {
	if w.URL == "" {
		return errors.New("ninjaone: register webhook: empty URL")
	}
	headers := make([]map[string]string, 0, len(w.Headers))
	for name, value := range w.Headers {
		headers = append(headers, map[string]string{"name": name, "value": value})
	}
	body, err := json.Marshal(map[string]any{
		"url":        w.URL,
		"activities": map[string][]string{"CONDITION": {"*"}},
		"expand":     []string{"device"},
		"headers":    headers,
	})
	if err != nil {
		return fmt.Errorf("ninjaone: register webhook: %w", err)
	}
	if _, err := c.do(ctx, http.MethodPut, "/v2/webhook", body); err != nil {
		return fmt.Errorf("ninjaone: register webhook: %w", err)
	}
	return nil
}

// DeleteWebhook disables the instance's webhook: DELETE /v2/webhook.
func (c *Client) DeleteWebhook(ctx context.Context) error {
	if _, err := c.do(ctx, http.MethodDelete, "/v2/webhook", nil); err != nil {
		return fmt.Errorf("ninjaone: delete webhook: %w", err)
	}
	return nil
}
