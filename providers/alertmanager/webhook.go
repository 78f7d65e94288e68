package alertmanager

import (
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
)

// NormalizeWebhook normalizes a notification for an integration, with its
// condition labels.
func NormalizeWebhook(in *ent.Integration, body []byte) (event.Batch, error) {
	return Normalize(body, in.ConditionLabels)
}
