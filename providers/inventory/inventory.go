// Package inventory holds what an RMM lists of its organizations and
// devices, in the provider-neutral shape the inventory sync writes.
package inventory

import (
	"context"
	"time"
)

// Organization is an RMM organization (NinjaOne organization, TacticalRMM
// client): the id alerts and mappings use, and its name.
type Organization struct {
	ID   string
	Name string
}

// Device is one managed device.
type Device struct {
	ID string
	// OrganizationID is the device's organization; empty when the RMM
	// names one that its organization list lacks.
	OrganizationID string
	// Name is what people call it (NinjaOne's displayName, else its
	// system name; TacticalRMM's hostname).
	Name string
	// Kind is server, workstation, vm-host… (lower case).
	Kind string
	// OS is the operating system, as precise as the RMM says.
	OS          string
	Online      *bool
	LastContact *time.Time
}

// Source lists an RMM's whole inventory. Each call reads every page; a
// page that fails fails the call, never a shorter list.
type Source interface {
	Organizations(ctx context.Context) ([]Organization, error)
	Devices(ctx context.Context) ([]Device, error)
}
