// Package seed creates the demo tenant the embedded default starts with:
// an admin with an API token, a client with two assets, a board with
// statuses, priorities, and a NinjaOne and a TacticalRMM integration with
// a catch-all rule each, so a webhook can be tried right away.
package seed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	entapitoken "github.com/alertdesk/alertdesk/ent/apitoken"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/provision"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
)

// Natural keys of the demo data; seeding looks everything up by these.
const (
	TenantSlug   = "demo"
	TenantName   = "Demo MSP"
	AdminEmail   = "admin@demo.alertdesk.local"
	AdminName    = "Demo Admin"
	ClientName   = "Contoso"
	BoardName    = provision.BoardName
	RuleName     = "Catch-all"
	TokenName    = "demo"
	SecretHeader = "X-Alertdesk-Secret"
	// FileName is the file in the data directory holding the Result,
	// including the plaintext admin token (which the database cannot give
	// back).
	FileName = "demo.json"
)

// Options configure Demo.
type Options struct {
	// DataDir holds demo.json; required.
	DataDir string
	// PublicURL is where alertdesk is reached, e.g. "http://localhost:8080";
	// webhook URLs are built on it.
	PublicURL string
	// Secrets seals the integrations' webhook secrets; required.
	Secrets *secrets.Box
}

// Integration is one seeded RMM integration and how to send it webhooks.
type Integration struct {
	ID           int    `json:"id"`
	Provider     string `json:"provider"`
	Name         string `json:"name"`
	WebhookURL   string `json:"webhookUrl"`
	SecretHeader string `json:"secretHeader"`
	Secret       string `json:"secret"`
}

// Result is what the demo tenant offers a user trying alertdesk out.
type Result struct {
	TenantID     int           `json:"tenantId"`
	AdminUserID  int           `json:"adminUserId"`
	AdminToken   string        `json:"adminToken"`
	Integrations []Integration `json:"integrations"`
}

type assetSpec struct {
	name    string
	devices map[integration.Provider]string // provider -> external device id
}

var demoAssets = []assetSpec{
	{"SRV-01", map[integration.Provider]string{
		integration.ProviderNinjaone:    "7",
		integration.ProviderTacticalrmm: "ZqXbLmNoPqRsTuVwXyZaBcDeFgHiJkLmNoPqRsTu",
	}},
	{"WS-22", map[integration.Provider]string{
		integration.ProviderNinjaone:    "9",
		integration.ProviderTacticalrmm: "Pq9rStUvWxYz0123456789AbCdEfGhIjKlMnOpQr",
	}},
}

var demoIntegrations = []struct {
	provider integration.Provider
	name     string
	orgID    string // NinjaOne organization / TacticalRMM client
}{
	{integration.ProviderNinjaone, "NinjaOne", "2"},
	{integration.ProviderTacticalrmm, "TacticalRMM", "3"},
}

// Demo seeds the demo tenant, creating only what is missing, so running it
// again creates nothing and returns the same Result. The plaintext admin
// token is kept in <DataDir>/demo.json (0600) and reused while its hash is
// still a live token; otherwise a new token is made. Integrations start
// disconnected: polling needs real credentials.
func Demo(ctx context.Context, s *store.Store, opts Options) (*Result, error) {
	if opts.DataDir == "" {
		return nil, errors.New("seed: Options.DataDir is required")
	}
	if opts.Secrets == nil {
		return nil, errors.New("seed: Options.Secrets is required to seal webhook secrets")
	}
	path := filepath.Join(opts.DataDir, FileName)
	var res *Result
	err := s.Tx(ctx, func(tx *ent.Tx) error {
		// Two replicas seeding at once would both create the tenant.
		if err := s.LockKeys(ctx, tx, "seed:"+TenantSlug); err != nil {
			return err
		}
		var err error
		res, err = demo(ctx, tx, opts, path)
		if err != nil {
			return err
		}
		// Written before commit: if the commit fails, the file names a token
		// that does not exist and the next run replaces it, never the
		// reverse (a token whose plaintext is lost).
		return res.WriteJSON(path)
	})
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return res, nil
}

func demo(ctx context.Context, tx *ent.Tx, opts Options, path string) (*Result, error) {
	t, err := tx.Tenant.Query().Where(tenant.Slug(TenantSlug)).Only(ctx)
	if ent.IsNotFound(err) {
		t, err = tx.Tenant.Create().SetSlug(TenantSlug).SetName(TenantName).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	tid := t.ID

	admin, err := tx.User.Query().Where(user.TenantID(tid), user.Email(AdminEmail)).Only(ctx)
	if ent.IsNotFound(err) {
		admin, err = tx.User.Create().SetTenantID(tid).SetEmail(AdminEmail).SetName(AdminName).SetRole(user.RoleAdmin).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("admin user: %w", err)
	}

	token, err := adminToken(ctx, tx, tid, admin.ID, path)
	if err != nil {
		return nil, err
	}

	client, err := tx.Customer.Query().Where(customer.TenantID(tid), customer.Name(ClientName)).First(ctx)
	if ent.IsNotFound(err) {
		client, err = tx.Customer.Create().SetTenantID(tid).SetName(ClientName).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}

	assets := map[string]int{}
	for _, a := range demoAssets {
		row, err := tx.Asset.Query().Where(asset.TenantID(tid), asset.Name(a.name)).First(ctx)
		if ent.IsNotFound(err) {
			row, err = tx.Asset.Create().SetTenantID(tid).SetName(a.name).SetClientID(client.ID).Save(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("asset %s: %w", a.name, err)
		}
		assets[a.name] = row.ID
	}

	if err := provision.Defaults(ctx, tx, tid); err != nil {
		return nil, err
	}

	res := &Result{TenantID: tid, AdminUserID: admin.ID, AdminToken: token}
	base := strings.TrimRight(opts.PublicURL, "/")
	for _, spec := range demoIntegrations {
		in, err := demoIntegration(ctx, tx, opts.Secrets, tid, client.ID, assets, spec.provider, spec.name, spec.orgID)
		if err != nil {
			return nil, err
		}
		secret, err := opts.Secrets.OpenWebhookSecret(tid, in.WebhookSecretSealed)
		if err != nil {
			return nil, fmt.Errorf("integration %s: webhook secret: %w", in.Name, err)
		}
		res.Integrations = append(res.Integrations, Integration{
			ID:           in.ID,
			Provider:     string(in.Provider),
			Name:         in.Name,
			WebhookURL:   base + "/webhooks/" + string(in.Provider) + "/" + strconv.Itoa(in.ID),
			SecretHeader: SecretHeader,
			Secret:       secret,
		})
	}
	return res, nil
}

// adminToken reuses the token saved in demo.json while it is still a live
// token of the admin, else makes a new one.
func adminToken(ctx context.Context, tx *ent.Tx, tenantID, userID int, path string) (string, error) {
	if prev, err := ReadJSON(path); err == nil && prev.AdminToken != "" {
		ok, err := tx.APIToken.Query().Where(
			entapitoken.TenantID(tenantID),
			entapitoken.UserID(userID),
			entapitoken.TokenHash(apitoken.Hash(prev.AdminToken)),
			entapitoken.RevokedAtIsNil(),
		).Exist(ctx)
		if err != nil {
			return "", fmt.Errorf("admin token: %w", err)
		}
		if ok {
			return prev.AdminToken, nil
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// A damaged file is replaced below, with a new token.
		slog.WarnContext(ctx, "seed: ignoring unreadable demo file", "err", err)
	}
	token, hash, err := apitoken.New()
	if err != nil {
		return "", err
	}
	if err := tx.APIToken.Create().SetTenantID(tenantID).SetUserID(userID).SetName(TokenName).SetTokenHash(hash).Exec(ctx); err != nil {
		return "", fmt.Errorf("admin token: %w", err)
	}
	return token, nil
}

// demoIntegration makes one integration with its organization mapping,
// asset devices and catch-all rule.
func demoIntegration(ctx context.Context, tx *ent.Tx, box *secrets.Box, tid, clientID int, assets map[string]int, provider integration.Provider, name, orgID string) (*ent.Integration, error) {
	in, err := tx.Integration.Query().Where(integration.TenantID(tid), integration.ProviderEQ(provider), integration.Name(name)).First(ctx)
	if ent.IsNotFound(err) {
		hash, sealed, serr := newSealedSecret(box, tid)
		if serr != nil {
			return nil, serr
		}
		in, err = tx.Integration.Create().SetTenantID(tid).SetProvider(provider).SetName(name).
			SetConnectionState(integration.ConnectionStateDisconnected).
			SetWebhookSecret(hash).SetWebhookSecretSealed(sealed).Save(ctx)
	} else if err == nil && len(in.WebhookSecretSealed) == 0 {
		// Without a secret the webhook refuses everything; one kept in
		// clear (before sealing) is sealed as it is.
		hash, sealed, serr := newSealedSecret(box, tid)
		if in.WebhookSecret != "" && !secrets.IsWebhookSecretHash(in.WebhookSecret) {
			hash, sealed, serr = box.SealWebhookSecret(tid, in.WebhookSecret)
		}
		if serr != nil {
			return nil, serr
		}
		in, err = in.Update().SetWebhookSecret(hash).SetWebhookSecretSealed(sealed).Save(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("integration %s: %w", name, err)
	}

	exists, err := tx.OrganizationMapping.Query().Where(organizationmapping.TenantID(tid),
		organizationmapping.IntegrationID(in.ID), organizationmapping.ExternalOrganizationID(orgID)).Exist(ctx)
	if err == nil && !exists {
		err = tx.OrganizationMapping.Create().SetTenantID(tid).SetIntegrationID(in.ID).
			SetExternalOrganizationID(orgID).SetExternalOrganizationName(ClientName).SetClientID(clientID).Exec(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("integration %s: organization mapping: %w", name, err)
	}

	for _, a := range demoAssets {
		device := a.devices[provider]
		exists, err := tx.AssetDevice.Query().Where(assetdevice.TenantID(tid),
			assetdevice.IntegrationID(in.ID), assetdevice.ExternalDeviceID(device)).Exist(ctx)
		if err == nil && !exists {
			err = tx.AssetDevice.Create().SetTenantID(tid).SetAssetID(assets[a.name]).
				SetIntegrationID(in.ID).SetExternalDeviceID(device).Exec(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("integration %s: device %s: %w", name, device, err)
		}
	}

	exists, err = tx.AlertRule.Query().Where(alertrule.TenantID(tid), alertrule.IntegrationID(in.ID), alertrule.Name(RuleName)).Exist(ctx)
	if err == nil && !exists {
		autoResolve := true
		err = tx.AlertRule.Create().SetTenantID(tid).SetIntegrationID(in.ID).SetName(RuleName).
			SetDescription("Demo rule: every alert becomes a ticket, closed when the alert resets if nobody touched it.").
			SetPriorityOrder(1).SetConditions(rule.Conditions{}).
			SetActions(rule.Actions{AutoResolveTicket: &autoResolve}).Exec(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("integration %s: rule: %w", name, err)
	}
	return in, nil
}

// newSecret returns a webhook secret: 32 random bytes, hex.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// newSealedSecret makes a webhook secret in its stored form.
func newSealedSecret(box *secrets.Box, tenantID int) (hash string, sealed []byte, err error) {
	secret, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	return box.SealWebhookSecret(tenantID, secret)
}

// WriteJSON writes r to path (mode 0600: it holds secrets), replacing the
// file atomically.
func (r *Result) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("seed: encode %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("seed: write %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("seed: write %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(append(b, '\n'))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("seed: write %s: %w", path, err)
	}
	// CreateTemp already makes the file 0600.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("seed: write %s: %w", path, err)
	}
	return nil
}

// ReadJSON reads a Result written by WriteJSON. A missing file yields an
// error matching fs.ErrNotExist.
func ReadJSON(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: read %s: %w", path, err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("seed: parse %s: %w", path, err)
	}
	return &r, nil
}
