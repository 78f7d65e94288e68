package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/rmmorganization"
	"github.com/alertdesk/alertdesk/graph/model"
)

// withInventory completes the organizations of kept alerts with those the
// inventory sync listed that no mapping covers, names every one it knows,
// and suggests clients by name.
func (r *Resolver) withInventory(ctx context.Context, integrationID *int, fromAlerts []*model.UnmappedOrganization) ([]*model.UnmappedOrganization, error) {
	q := r.db.RmmOrganization.Query()
	mq := r.db.OrganizationMapping.Query()
	if integrationID != nil {
		q.Where(rmmorganization.IntegrationID(*integrationID))
		mq.Where(organizationmapping.IntegrationID(*integrationID))
	}
	orgs, err := q.Order(ent.Asc(rmmorganization.FieldIntegrationID), ent.Asc(rmmorganization.FieldName), ent.Asc(rmmorganization.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("rmm organizations: %w", err)
	}
	type key struct {
		integration int
		org         string
	}
	out := fromAlerts
	if len(orgs) > 0 {
		maps, err := mq.Select(organizationmapping.FieldIntegrationID, organizationmapping.FieldExternalOrganizationID).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("organization mappings: %w", err)
		}
		mapped := make(map[key]bool, len(maps))
		for _, m := range maps {
			mapped[key{m.IntegrationID, m.ExternalOrganizationID}] = true
		}
		listed := make(map[key]*model.UnmappedOrganization, len(fromAlerts))
		for _, u := range fromAlerts {
			listed[key{u.IntegrationID, u.ExternalOrganizationID}] = u
		}
		for _, o := range orgs {
			k := key{o.IntegrationID, o.ExternalOrganizationID}
			if u := listed[k]; u != nil {
				u.Name, u.InRmm = o.Name, true
				continue
			}
			if !mapped[k] {
				out = append(out, &model.UnmappedOrganization{IntegrationID: o.IntegrationID, ExternalOrganizationID: o.ExternalOrganizationID, Name: o.Name, InRmm: true})
			}
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	clients, err := r.db.Customer.Query().Where(customer.RetiredAtIsNil()).Order(ent.Asc(customer.FieldName), ent.Asc(customer.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	for _, u := range out {
		u.SuggestedClients = SuggestClients(u.Name, clients, 3)
	}
	return out, nil
}

// SuggestClients returns up to n clients whose name matches an
// organization's: the same words first (case, punctuation and company
// suffixes aside), then names that contain the other.
func SuggestClients(org string, clients []*ent.Customer, n int) []*ent.Customer {
	o := nameKey(org)
	if o == "" {
		return []*ent.Customer{}
	}
	type scored struct {
		c     *ent.Customer
		score int
	}
	var hits []scored
	for _, c := range clients {
		k := nameKey(c.Name)
		switch {
		case k == "":
		case k == o:
			hits = append(hits, scored{c, 0})
		case strings.Contains(k, o) || strings.Contains(o, k):
			hits = append(hits, scored{c, 1})
		}
	}
	slices.SortStableFunc(hits, func(a, b scored) int { return a.score - b.score })
	out := []*ent.Customer{}
	for _, h := range hits[:min(n, len(hits))] {
		out = append(out, h.c)
	}
	return out
}

// companySuffixes are dropped from names before they are compared.
var companySuffixes = map[string]bool{
	"inc": true, "ltd": true, "llc": true, "gmbh": true, "corp": true, "corporation": true, "co": true,
	"limited": true, "ag": true, "sa": true, "bv": true, "plc": true, "pty": true, "srl": true, "sarl": true,
}

// nameKey is a name lower-cased, its words without punctuation or company
// suffixes, joined by single spaces.
func nameKey(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	kept := words[:0]
	for _, w := range words {
		if !companySuffixes[w] {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}
