package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/rmmorganization"
	"github.com/alertdesk/alertdesk/providers"
	"github.com/alertdesk/alertdesk/providers/inventory"
)

// TypeInventory is the inventory sync task of one integration.
const TypeInventory = "rmm:inventory"

// inventoryPayload is the TypeInventory task body.
type inventoryPayload struct {
	TenantID      int `json:"tenantId"`
	IntegrationID int `json:"integrationId"`
}

// InventoryCounts are what one sync did; they are stored on the integration.
type InventoryCounts struct {
	// Organizations and Devices the RMM listed.
	Organizations int `json:"organizations"`
	Devices       int `json:"devices"`
	// Assets created, updated (any detail), moved to another client,
	// retired (device gone) and restored (device back).
	Created  int `json:"created"`
	Updated  int `json:"updated"`
	Moved    int `json:"moved"`
	Retired  int `json:"retired"`
	Restored int `json:"restored"`
	// Devices without an asset whose organization is unmapped or unknown.
	Unmapped int `json:"unmapped"`
}

func (c InventoryCounts) asMap() map[string]int {
	return map[string]int{
		"organizations": c.Organizations, "devices": c.Devices, "created": c.Created, "updated": c.Updated,
		"moved": c.Moved, "retired": c.Retired, "restored": c.Restored, "unmapped": c.Unmapped,
	}
}

// SyncInventory queues a sync of the integration unless one is queued
// already (the task id is the integration's): syncInventory.
func (e *Enqueuer) SyncInventory(ctx context.Context, tenantID, integrationID int) error {
	return enqueueInventory(ctx, e.client, e.queue, tenantID, integrationID)
}

// SyncInventoryNow queues a sync of the integration unless one is queued.
func (w *Worker) SyncInventoryNow(ctx context.Context, tenantID, integrationID int) error {
	return enqueueInventory(ctx, w.client, w.d.Queue, tenantID, integrationID)
}

func enqueueInventory(ctx context.Context, client *asynq.Client, queue string, tenantID, integrationID int) error {
	payload, err := json.Marshal(inventoryPayload{TenantID: tenantID, IntegrationID: integrationID})
	if err != nil {
		return err
	}
	_, err = client.EnqueueContext(ctx, asynq.NewTask(TypeInventory, payload),
		asynq.Queue(queue), asynq.TaskID(fmt.Sprintf("inventory-%d-%d", tenantID, integrationID)),
		asynq.MaxRetry(0), asynq.Timeout(10*time.Minute))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil // one is waiting or running: it will do
	}
	if err != nil {
		return fmt.Errorf("worker: enqueue inventory sync of integration %d: %w", integrationID, err)
	}
	return nil
}

// errSyncSkipped: the integration is gone or not connected.
var errSyncSkipped = errors.New("worker: inventory sync skipped")

// syncBatch is how many rows one batched statement writes.
const syncBatch = 500

// handleInventory runs one sync. Like a poll cycle, a sync that ran has
// its error recorded on the integration and is not retried: the next
// cycle is the retry.
func (w *Worker) handleInventory(ctx context.Context, t *asynq.Task) error {
	var p inventoryPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.TenantID == 0 || p.IntegrationID == 0 {
		return fmt.Errorf("worker: bad inventory payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	_, err := w.SyncInventory(ctx, p.TenantID, p.IntegrationID)
	var ce cycleError
	if errors.Is(err, errSyncSkipped) || errors.As(err, &ce) {
		return nil
	}
	return err
}

// SyncInventory reads the RMM's organizations and devices and brings the
// integration's organizations and assets in line: organizations are kept
// with their names for mapping; devices of mapped organizations become
// (or update) assets of the mapped client, linked to their device; a
// linked device the RMM no longer lists has its asset retired, never
// deleted. A fetch that fails changes no asset (organizations are kept
// when their list came whole). The time, counts and error are stored on
// the integration.
func (w *Worker) SyncInventory(ctx context.Context, tenantID, integrationID int) (InventoryCounts, error) {
	in, err := w.d.Store.Ent.Integration.Query().
		Where(integration.TenantID(tenantID), integration.ID(integrationID)).Only(ctx)
	if ent.IsNotFound(err) {
		return InventoryCounts{}, errSyncSkipped
	}
	if err != nil {
		return InventoryCounts{}, fmt.Errorf("worker: inventory: load integration %d: %w", integrationID, err)
	}
	if in.ConnectionState == integration.ConnectionStateDisconnected {
		return InventoryCounts{}, errSyncSkipped
	}
	start := time.Now().UTC()
	counts, err := w.syncInventory(ctx, in, start)
	log := w.log.With("tenant", tenantID, "integration", integrationID, "provider", in.Provider)
	msg := ""
	if err != nil {
		msg = err.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		log.WarnContext(ctx, "inventory sync failed", "err", err, "counts", counts, "took", time.Since(start))
	} else {
		log.InfoContext(ctx, "inventory sync done", "counts", counts, "took", time.Since(start))
	}
	uerr := w.d.Store.Ent.Integration.Update().
		Where(integration.TenantID(tenantID), integration.ID(integrationID)).
		SetLastInventorySyncAt(start).
		SetLastInventorySyncError(msg).
		SetLastInventorySyncCounts(counts.asMap()).
		Exec(ctx)
	if uerr != nil {
		return counts, errors.Join(err, fmt.Errorf("worker: inventory: record result: %w", uerr))
	}
	if err != nil {
		return counts, cycleError{err}
	}
	return counts, nil
}

func (w *Worker) syncInventory(ctx context.Context, in *ent.Integration, now time.Time) (InventoryCounts, error) {
	var c InventoryCounts
	ad, err := w.adapters(ctx, in)
	if err != nil {
		return c, fmt.Errorf("connect to the RMM: %w", err)
	}
	src, ok := ad.(providers.Inventory)
	if !ok {
		return c, fmt.Errorf("%s lists no inventory", in.Provider)
	}
	orgs, err := src.Organizations(ctx)
	if err != nil {
		return c, fmt.Errorf("fetch organizations: %w", err)
	}
	c.Organizations = len(orgs)
	if err := w.d.Store.Tx(ctx, func(tx *ent.Tx) error { return syncOrganizations(ctx, tx.Client(), in, orgs, now) }); err != nil {
		return c, fmt.Errorf("save organizations: %w", err)
	}
	devices, err := src.Devices(ctx)
	if err != nil {
		return c, fmt.Errorf("fetch devices: %w", err)
	}
	c.Devices = len(devices)
	err = w.d.Store.Tx(ctx, func(tx *ent.Tx) error {
		return w.syncDevices(ctx, tx.Client(), in, devices, now, &c)
	})
	if err != nil {
		return c, fmt.Errorf("save assets: %w", err)
	}
	return c, nil
}

// syncOrganizations keeps the integration's organizations as listed: new
// ones added, names updated (on their mappings too), gone ones dropped.
func syncOrganizations(ctx context.Context, c *ent.Client, in *ent.Integration, orgs []inventory.Organization, now time.Time) error {
	existing, err := c.RmmOrganization.Query().
		Where(rmmorganization.TenantID(in.TenantID), rmmorganization.IntegrationID(in.ID)).All(ctx)
	if err != nil {
		return err
	}
	have := make(map[string]*ent.RmmOrganization, len(existing))
	for _, o := range existing {
		have[o.ExternalOrganizationID] = o
	}
	seen := make(map[string]string, len(orgs))
	var creates []*ent.RmmOrganizationCreate
	for _, o := range orgs {
		if _, dup := seen[o.ID]; dup || o.ID == "" {
			continue
		}
		name := truncate(o.Name, 200)
		seen[o.ID] = name
		old, ok := have[o.ID]
		switch {
		case !ok:
			creates = append(creates, c.RmmOrganization.Create().SetTenantID(in.TenantID).SetIntegrationID(in.ID).
				SetExternalOrganizationID(truncate(o.ID, 200)).SetName(name).SetSyncedAt(now))
		case old.Name != name:
			if err := c.RmmOrganization.UpdateOne(old).SetName(name).Exec(ctx); err != nil {
				return err
			}
		}
	}
	for chunk := range chunks(creates, syncBatch) {
		if err := c.RmmOrganization.CreateBulk(chunk...).Exec(ctx); err != nil {
			return err
		}
	}
	var gone []int
	for _, o := range existing {
		if _, ok := seen[o.ExternalOrganizationID]; !ok {
			gone = append(gone, o.ID)
		}
	}
	for chunk := range chunks(gone, syncBatch) {
		if _, err := c.RmmOrganization.Delete().Where(rmmorganization.TenantID(in.TenantID), rmmorganization.IDIn(chunk...)).Exec(ctx); err != nil {
			return err
		}
	}
	if err := c.RmmOrganization.Update().
		Where(rmmorganization.TenantID(in.TenantID), rmmorganization.IntegrationID(in.ID)).
		SetSyncedAt(now).Exec(ctx); err != nil {
		return err
	}
	// Mappings show the organization's current name.
	maps, err := c.OrganizationMapping.Query().
		Where(organizationmapping.TenantID(in.TenantID), organizationmapping.IntegrationID(in.ID)).All(ctx)
	if err != nil {
		return err
	}
	for _, m := range maps {
		if name, ok := seen[m.ExternalOrganizationID]; ok && name != "" && name != m.ExternalOrganizationName {
			if err := c.OrganizationMapping.UpdateOne(m).SetExternalOrganizationName(name).Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// assetState is what the sync sets on an asset.
type assetState struct {
	ID            int        `json:"id"`
	Name          string     `json:"name"`
	ClientID      *int       `json:"client_id"`
	Kind          string     `json:"kind"`
	OS            string     `json:"os"`
	Online        *bool      `json:"online"`
	LastContactAt *time.Time `json:"last_contact_at"`
	RetiredAt     *time.Time `json:"retired_at"`
	RmmGoneAt     *time.Time `json:"rmm_gone_at"`
}

func stateOf(a *ent.Asset) assetState {
	return assetState{ID: a.ID, Name: a.Name, ClientID: a.ClientID, Kind: a.Kind, OS: a.Os, Online: a.Online,
		LastContactAt: a.LastContactAt, RetiredAt: a.RetiredAt, RmmGoneAt: a.RmmGoneAt}
}

func (s assetState) equal(o assetState) bool {
	return s.Name == o.Name && eqPtr(s.ClientID, o.ClientID) && s.Kind == o.Kind && s.OS == o.OS &&
		eqPtr(s.Online, o.Online) && eqTime(s.LastContactAt, o.LastContactAt) &&
		eqTime(s.RetiredAt, o.RetiredAt) && eqTime(s.RmmGoneAt, o.RmmGoneAt)
}

// syncDevices writes the devices' assets in one transaction.
func (w *Worker) syncDevices(ctx context.Context, c *ent.Client, in *ent.Integration, devices []inventory.Device, now time.Time, counts *InventoryCounts) error {
	maps, err := c.OrganizationMapping.Query().
		Where(organizationmapping.TenantID(in.TenantID), organizationmapping.IntegrationID(in.ID)).All(ctx)
	if err != nil {
		return err
	}
	clientOf := make(map[string]int, len(maps))
	for _, m := range maps {
		clientOf[m.ExternalOrganizationID] = m.ClientID
	}
	links, err := c.AssetDevice.Query().
		Where(assetdevice.TenantID(in.TenantID), assetdevice.IntegrationID(in.ID)).All(ctx)
	if err != nil {
		return err
	}
	// The linked assets, by a join rather than a list of ids.
	linked, err := c.Asset.Query().
		Where(asset.TenantID(in.TenantID), asset.HasDevicesWith(assetdevice.IntegrationID(in.ID))).All(ctx)
	if err != nil {
		return err
	}
	assets := make(map[int]*ent.Asset, len(linked))
	for _, a := range linked {
		assets[a.ID] = a
	}
	assetOf := make(map[string]*ent.Asset, len(links))
	for _, l := range links {
		if a := assets[l.AssetID]; a != nil {
			assetOf[l.ExternalDeviceID] = a
		}
	}

	seen := make(map[string]bool, len(devices))
	var (
		updates []assetState
		fresh   []inventory.Device
		freshTo []int
	)
	for _, d := range devices {
		if d.ID == "" || seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		clientID, mapped := clientOf[d.OrganizationID]
		a := assetOf[d.ID]
		if a == nil {
			if !mapped {
				counts.Unmapped++
				continue
			}
			fresh, freshTo = append(fresh, d), append(freshTo, clientID)
			continue
		}
		old := stateOf(a)
		next := old
		next.Name, next.Kind, next.OS = truncate(d.Name, 200), truncate(d.Kind, 100), truncate(d.OS, 200)
		next.Online, next.LastContactAt = d.Online, micros(d.LastContact)
		if mapped && !eqPtr(old.ClientID, &clientID) {
			next.ClientID = &clientID
			counts.Moved++
		}
		if old.RmmGoneAt != nil { // back in the RMM
			next.RetiredAt, next.RmmGoneAt = nil, nil
			counts.Restored++
		}
		if !next.equal(old) {
			updates = append(updates, next)
		}
	}
	var gone []int
	for dev, a := range assetOf {
		if !seen[dev] && a.RetiredAt == nil {
			gone = append(gone, a.ID)
		}
	}
	counts.Updated = len(updates)
	counts.Retired = len(gone)

	if err := w.updateAssets(ctx, c, in.TenantID, updates); err != nil {
		return fmt.Errorf("update assets: %w", err)
	}
	for chunk := range chunks(gone, syncBatch) {
		if err := c.Asset.Update().Where(asset.TenantID(in.TenantID), asset.IDIn(chunk...), asset.RetiredAtIsNil()).
			SetRetiredAt(now).SetRmmGoneAt(now).Exec(ctx); err != nil {
			return fmt.Errorf("retire assets: %w", err)
		}
	}
	for i := 0; i < len(fresh); i += syncBatch {
		end := min(i+syncBatch, len(fresh))
		creates := make([]*ent.AssetCreate, 0, end-i)
		for j := i; j < end; j++ {
			d := fresh[j]
			creates = append(creates, c.Asset.Create().SetTenantID(in.TenantID).SetClientID(freshTo[j]).
				SetName(truncate(d.Name, 200)).SetKind(truncate(d.Kind, 100)).SetOs(truncate(d.OS, 200)).
				SetNillableOnline(d.Online).SetNillableLastContactAt(micros(d.LastContact)))
		}
		made, err := c.Asset.CreateBulk(creates...).Save(ctx)
		if err != nil {
			return fmt.Errorf("create assets: %w", err)
		}
		devs := make([]*ent.AssetDeviceCreate, len(made))
		for j, a := range made {
			devs[j] = c.AssetDevice.Create().SetTenantID(in.TenantID).SetAssetID(a.ID).
				SetIntegrationID(in.ID).SetExternalDeviceID(truncate(fresh[i+j].ID, 200))
		}
		if err := c.AssetDevice.CreateBulk(devs...).Exec(ctx); err != nil {
			return fmt.Errorf("link devices: %w", err)
		}
		counts.Created += len(made)
	}
	return nil
}

// updateAssetsPG sets each asset's state from one JSON array per batch.
const updateAssetsPG = `UPDATE assets AS a SET name = v.name, client_id = v.client_id, kind = v.kind, os = v.os,
	online = v.online, last_contact_at = v.last_contact_at, retired_at = v.retired_at, rmm_gone_at = v.rmm_gone_at
	FROM jsonb_to_recordset($2::jsonb) AS v(id bigint, name text, client_id bigint, kind text, os text,
		online boolean, last_contact_at timestamptz, retired_at timestamptz, rmm_gone_at timestamptz)
	WHERE a.tenant_id = $1 AND a.id = v.id`

// updateAssetSQLite sets one asset's state on SQLite, where a statement
// costs no round trip (an UPDATE … FROM json_each joins without an index);
// times are written as the driver writes a time.Time (its String form).
const updateAssetSQLite = `UPDATE assets SET name = ?, client_id = ?, kind = ?, os = ?, online = ?,
	last_contact_at = ?, retired_at = ?, rmm_gone_at = ? WHERE tenant_id = ? AND id = ?`

func sqliteTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Round(0).String()
	return &s
}

// updateAssets writes changed assets, a statement per batch.
func (w *Worker) updateAssets(ctx context.Context, c *ent.Client, tenantID int, rows []assetState) error {
	for chunk := range chunks(rows, syncBatch) {
		var (
			b   []byte
			err error
		)
		if w.d.Store.IsPostgres() {
			b, err = json.Marshal(chunk)
			if err == nil {
				_, err = c.ExecContext(ctx, updateAssetsPG, tenantID, string(b))
			}
		} else {
			for _, r := range chunk {
				if _, err = c.ExecContext(ctx, updateAssetSQLite, r.Name, r.ClientID, r.Kind, r.OS, r.Online,
					sqliteTime(r.LastContactAt), sqliteTime(r.RetiredAt), sqliteTime(r.RmmGoneAt), tenantID, r.ID); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// chunks yields s in slices of at most n.
func chunks[T any](s []T, n int) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for i := 0; i < len(s); i += n {
			if !yield(s[i:min(i+n, len(s))]) {
				return
			}
		}
	}
}

func eqPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func eqTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// micros is t at the database's precision, so an unchanged time compares equal.
func micros(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC().Truncate(time.Microsecond)
	return &v
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
