package workflow_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/workflow"
)

func TestWebhookDelivery(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		ctx, cancel := context.WithTimeout(h.Ctx, 30*time.Second)
		defer cancel()
		flaky := newReceiver(t, 500) // fails once, then takes it
		steady := newReceiver(t)
		const secret = "a-secret-of-enough-length"
		flakySub, err := h.Svc.CreateSubscription(ctx, h.Demo.TenantID, workflow.SubscriptionInput{
			URL: flaky.URL + "/hook", Secret: secret, EventTypes: []string{outbox.AlertTriggered}})
		if err != nil {
			t.Fatal(err)
		}
		steadySub, err := h.Svc.CreateSubscription(ctx, h.Demo.TenantID, workflow.SubscriptionInput{
			URL: steady.URL, EventTypes: []string{outbox.AlertTriggered, outbox.AlertResolved}})
		if err != nil {
			t.Fatal(err)
		}
		// Another tenant's subscription never sees this tenant's workflow.
		other := h.OtherTenant("other-secret")
		otherRecv := newReceiver(t)
		otherTenant := h.DB.Integration.GetX(ctx, other.ID).TenantID
		if _, err := h.Svc.CreateSubscription(ctx, otherTenant, workflow.SubscriptionInput{
			URL: otherRecv.URL, EventTypes: workflow.Names()}); err != nil {
			t.Fatal(err)
		}

		r := h.PostFixture(event.NinjaOne, "ninjaone-condition-triggered.json")
		h.PostFixture(event.NinjaOne, "ninjaone-condition-reset.json")
		eventually(t, 20*time.Second, "events delivered", func() bool {
			n, err := h.DB.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil(),
				outboxentry.TopicIn(outbox.AlertTriggered, outbox.AlertResolved)).Count(ctx)
			return err == nil && n == 0
		})

		// The flaky receiver: only the triggered event, 500 then 200, same
		// delivery id, each signed.
		got := flaky.requests()
		if len(got) != 2 {
			t.Fatalf("flaky receiver got %d requests, want 2 (500, then 200)", len(got))
		}
		for _, req := range got {
			if req.Header.Get(workflow.HeaderEvent) != outbox.AlertTriggered {
				t.Errorf("unsubscribed event delivered: %s", req.Header.Get(workflow.HeaderEvent))
			}
			// A receiver per the Standard Webhooks specification takes a
			// plain secret as "whsec_" + base64 of its bytes.
			if !standardVerify("whsec_"+base64.StdEncoding.EncodeToString([]byte(secret)), req.Header, req.Body) {
				t.Errorf("a Standard Webhooks receiver refuses the signature %q", req.Header.Get(workflow.HeaderSignature))
			}
			if err := workflow.Verify(secret, req.Header, req.Body, time.Minute); err != nil {
				t.Errorf("signature: %v", err)
			}
			if workflow.Verify("another-secret-entirely", req.Header, req.Body, 0) == nil {
				t.Error("signature verifies with a wrong secret")
			}
			// The first scheme's headers still come, for its receivers.
			if err := workflow.VerifyLegacy(secret, req.Header.Get(workflow.LegacyHeaderTimestamp), req.Header.Get(workflow.LegacyHeaderSignature), req.Body, time.Minute); err != nil ||
				req.Header.Get(workflow.LegacyHeaderDelivery) != req.Header.Get(workflow.HeaderID) {
				t.Errorf("legacy signature: %v", err)
			}
			var env workflow.Envelope
			if err := json.Unmarshal(req.Body, &env); err != nil || env.Event != outbox.AlertTriggered ||
				int(env.Data["alertId"].(float64)) != r.AlertID || int(env.Data["ticketId"].(float64)) != *r.TicketID {
				t.Errorf("body %s, %v", req.Body, err)
			}
			if env.ID != req.Header.Get(workflow.HeaderID) || env.ID != got[0].Header.Get(workflow.HeaderID) {
				t.Errorf("delivery id %q / header %q changed across attempts", env.ID, req.Header.Get(workflow.HeaderID))
			}
			if req.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", req.Header.Get("Content-Type"))
			}
		}
		// The payload carries every field the catalog requires.
		var env workflow.Envelope
		_ = json.Unmarshal(got[0].Body, &env)
		for _, k := range workflow.Catalog()[0].PayloadSchema["required"].([]string) {
			if _, ok := env.Data[k]; !ok {
				t.Errorf("payload lacks %q required by the catalog", k)
			}
		}

		// The steady receiver took each event once, not again on the
		// flaky one's retry.
		var types []string
		for _, req := range steady.requests() {
			types = append(types, req.Header.Get(workflow.HeaderEvent))
			// Its generated secret is a Standard Webhooks one, as it is.
			if !standardVerify(steadySub.Secret, req.Header, req.Body) {
				t.Errorf("a Standard Webhooks receiver refuses the signature with the generated secret %q", steadySub.Secret)
			}
		}
		slices.Sort(types)
		if !slices.Equal(types, []string{outbox.AlertResolved, outbox.AlertTriggered}) {
			t.Errorf("steady receiver got %v", types)
		}
		if n := len(otherRecv.requests()); n != 0 {
			t.Errorf("another tenant's subscription got %d deliveries", n)
		}

		// The log: newest first, with status, attempt, error and duration;
		// of the answer only its size, never its text.
		log, err := h.Svc.Deliveries(ctx, h.Demo.TenantID, flakySub.ID, workflow.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 2 || log[0].Attempt != 2 || log[0].StatusCode != 200 || !log[0].Success || log[0].Error != "" ||
			log[1].Attempt != 1 || log[1].StatusCode != 500 || log[1].Success || log[1].Error != "HTTP 500" ||
			log[1].ResponseBytes != len("Internal Server Error") ||
			log[0].DeliveryID != log[1].DeliveryID || log[0].DurationMs < 0 || log[0].CreatedAt.IsZero() {
			for _, l := range log {
				t.Logf("log row %+v", l)
			}
			t.Fatal("flaky subscription's log is not [200 attempt 2, 500 attempt 1]")
		}
		failed, err := h.Svc.Deliveries(ctx, h.Demo.TenantID, flakySub.ID, workflow.DeliveryFilter{FailedOnly: true})
		if err != nil || len(failed) != 1 || failed[0].StatusCode != 500 {
			t.Errorf("failed-only log %v, %v", failed, err)
		}
		if log, err := h.Svc.Deliveries(ctx, h.Demo.TenantID, steadySub.ID, workflow.DeliveryFilter{Limit: 1}); err != nil || len(log) != 1 {
			t.Errorf("paged log %v, %v", log, err)
		}
		if _, err := h.Svc.Deliveries(ctx, otherTenant, flakySub.ID, workflow.DeliveryFilter{}); err != workflow.ErrNotFound {
			t.Errorf("another tenant read the log: %v", err)
		}

	})
}
