package ninjaone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/alertdesk/alertdesk/providers/inventory"
)

// DefaultPageSize is how many organizations or devices one list call asks for.
const DefaultPageSize = 1000

// maxPages bounds a list walk, so an RMM whose cursor never advances cannot
// keep a sync busy forever.
const maxPages = 10000

// Organizations lists every organization: GET /v2/organizations, paged by
// pageSize and after (the last id of the previous page) until a page is empty.
func (c *Client) Organizations(ctx context.Context) ([]inventory.Organization, error) {
	var out []inventory.Organization
	err := c.pages(ctx, "/v2/organizations", func(body []byte) (string, int, error) {
		var page []struct {
			ID   text `json:"id"`
			Name text `json:"name"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return "", 0, fmt.Errorf("organizations page: %w", err)
		}
		last := ""
		for _, o := range page {
			if o.ID == "" {
				return "", 0, fmt.Errorf("organizations page: an organization without id")
			}
			out = append(out, inventory.Organization{ID: string(o.ID), Name: string(o.Name)})
			last = string(o.ID)
		}
		return last, len(page), nil
	})
	if err != nil {
		return nil, fmt.Errorf("ninjaone: list organizations: %w", err)
	}
	return out, nil
}

// listedDevice is a GET /v2/devices entry (the fields the sync keeps).
type listedDevice struct {
	ID             text            `json:"id"`
	OrganizationID text            `json:"organizationId"`
	NodeClass      text            `json:"nodeClass"`
	Offline        *bool           `json:"offline"`
	DisplayName    text            `json:"displayName"`
	SystemName     text            `json:"systemName"`
	DNSName        text            `json:"dnsName"`
	NetbiosName    text            `json:"netbiosName"`
	LastContact    json.RawMessage `json:"lastContact"`
}

// Devices lists every device: GET /v2/devices, paged like Organizations.
func (c *Client) Devices(ctx context.Context) ([]inventory.Device, error) {
	var out []inventory.Device
	err := c.pages(ctx, "/v2/devices", func(body []byte) (string, int, error) {
		var page []listedDevice
		if err := json.Unmarshal(body, &page); err != nil {
			return "", 0, fmt.Errorf("devices page: %w", err)
		}
		last := ""
		for _, d := range page {
			if d.ID == "" {
				return "", 0, fmt.Errorf("devices page: a device without id")
			}
			out = append(out, d.inventory())
			last = string(d.ID)
		}
		return last, len(page), nil
	})
	if err != nil {
		return nil, fmt.Errorf("ninjaone: list devices: %w", err)
	}
	return out, nil
}

func (d listedDevice) inventory() inventory.Device {
	kind, os := NodeClass(string(d.NodeClass))
	out := inventory.Device{
		ID:             string(d.ID),
		OrganizationID: string(d.OrganizationID),
		// displayName may be empty: the system name is what NinjaOne shows then.
		Name: firstNonEmpty(d.DisplayName, d.SystemName, d.DNSName, d.NetbiosName, "device "+d.ID),
		Kind: kind, OS: os,
	}
	if d.Offline != nil {
		online := !*d.Offline
		out.Online = &online
	}
	if t, err := parseTime(d.LastContact); err == nil {
		out.LastContact = &t
	}
	return out
}

// NodeClass reads a nodeClass (WINDOWS_SERVER, MAC, VMWARE_VM_HOST…) as a
// kind and an operating system family.
func NodeClass(nc string) (kind, os string) {
	nc = strings.ToUpper(strings.TrimSpace(nc))
	switch {
	case strings.HasPrefix(nc, "WINDOWS"):
		os = "Windows"
	case strings.HasPrefix(nc, "MAC"):
		os = "macOS"
	case strings.HasPrefix(nc, "LINUX"):
		os = "Linux"
	}
	switch {
	case nc == "":
	case strings.HasSuffix(nc, "_SERVER"):
		kind = "server"
	case strings.HasSuffix(nc, "_WORKSTATION"), nc == "MAC":
		kind = "workstation"
	case strings.HasSuffix(nc, "_VM_HOST"), strings.HasSuffix(nc, "_VMM_HOST"):
		kind = "vm-host"
	case strings.HasSuffix(nc, "_GUEST"), strings.HasSuffix(nc, "_VM_GUEST"):
		kind = "vm"
	default:
		kind = strings.ToLower(strings.ReplaceAll(nc, "_", "-"))
	}
	return kind, os
}

// pages walks a list endpoint page by page: read returns the last id of a
// page and its length; an empty page ends the list.
func (c *Client) pages(ctx context.Context, path string, read func(body []byte) (last string, n int, err error)) error {
	size := c.pageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	after := ""
	for range maxPages {
		q := url.Values{"pageSize": {strconv.Itoa(size)}}
		if after != "" {
			q.Set("after", after)
		}
		body, err := c.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		last, n, err := read(body)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if last == after {
			return fmt.Errorf("page after %s did not advance", after)
		}
		after = last
	}
	return fmt.Errorf("more than %d pages", maxPages)
}
