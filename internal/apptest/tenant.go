package apptest

import (
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/seed"
)

// OtherTenant creates a second tenant whose NinjaOne setup uses the same
// external ids as the demo (organization 2, device 7), with its own
// integration and secret.
func (e *Env) OtherTenant(secret string) seed.Integration {
	e.T.Helper()
	c, ctx := e.DB, e.Ctx
	tn := c.Tenant.Create().SetName("Other MSP").SetSlug("other").SaveX(ctx)
	cust := c.Customer.Create().SetTenantID(tn.ID).SetName("Contoso").SaveX(ctx)
	asset := c.Asset.Create().SetTenantID(tn.ID).SetName("SRV-01").SetClientID(cust.ID).SaveX(ctx)
	hash, sealed := e.WebhookSecret(tn.ID, secret)
	in := c.Integration.Create().SetTenantID(tn.ID).SetProvider("ninjaone").SetName("NinjaOne").
		SetWebhookSecret(hash).SetWebhookSecretSealed(sealed).SaveX(ctx)
	c.AssetDevice.Create().SetTenantID(tn.ID).SetAssetID(asset.ID).SetIntegrationID(in.ID).SetExternalDeviceID("7").ExecX(ctx)
	c.OrganizationMapping.Create().SetTenantID(tn.ID).SetIntegrationID(in.ID).
		SetExternalOrganizationID("2").SetClientID(cust.ID).ExecX(ctx)
	b := c.Board.Create().SetTenantID(tn.ID).SetName("Desk").SetIsDefault(true).SaveX(ctx)
	c.TicketStatus.Create().SetTenantID(tn.ID).SetBoardID(b.ID).SetName("Open").SetIsDefault(true).ExecX(ctx)
	c.TicketStatus.Create().SetTenantID(tn.ID).SetBoardID(b.ID).SetName("Closed").SetIsClosed(true).SetSortOrder(1).ExecX(ctx)
	c.Priority.Create().SetTenantID(tn.ID).SetName("High").ExecX(ctx)
	c.AlertRule.Create().SetTenantID(tn.ID).SetIntegrationID(in.ID).SetName("All").
		SetConditions(rule.Conditions{}).SetActions(rule.Actions{AutoResolveTicket: Bool(true)}).ExecX(ctx)
	return seed.Integration{ID: in.ID, Provider: "ninjaone", Name: in.Name, Secret: secret}
}

// WebhookSecret is a webhook secret in its stored form for the tenant:
// the keyed hash (webhook_secret) and the sealed secret
// (webhook_secret_sealed).
func (e *Env) WebhookSecret(tenantID int, secret string) (hash string, sealed []byte) {
	e.T.Helper()
	hash, sealed, err := e.Services.Secrets.SealWebhookSecret(tenantID, secret)
	if err != nil {
		e.T.Fatalf("seal webhook secret: %v", err)
	}
	return hash, sealed
}
