package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// buildTime is when the binary was built, set by the build:
//
//	go build -ldflags "-X main.buildTime=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/alertdesk
//
// Go records the commit and its time, but not the build's.
var buildTime string

// versionInfo is what `alertdesk version` prints.
type versionInfo struct {
	Version, Commit, CommitTime, BuildTime, Go string
}

const unknown = "devel"

// readVersion takes what the Go toolchain stamped into the binary: the
// module version (from a VCS tag, or a pseudo-version), the commit (with
// "+dirty" for uncommitted changes) and its time.
func readVersion(bi *debug.BuildInfo, ok bool, built string) versionInfo {
	v := versionInfo{Version: unknown, Commit: unknown, CommitTime: unknown, BuildTime: unknown, Go: unknown}
	if built != "" {
		v.BuildTime = built
	}
	if !ok || bi == nil {
		return v
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	if m := bi.Main.Version; m != "" && m != "(devel)" {
		v.Version = m
	}
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && v.Commit != unknown {
		v.Commit += "+dirty"
	}
	return v
}

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build time",
		Long: `Print the module version, the VCS commit and its time, the build time and
the Go version; "devel" where the build did not record one.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			bi, ok := debug.ReadBuildInfo()
			v := readVersion(bi, ok, buildTime)
			_, err := fmt.Fprintf(c.stdout, "alertdesk %s\ncommit:      %s\ncommit time: %s\nbuild time:  %s\ngo:          %s\n",
				v.Version, v.Commit, v.CommitTime, v.BuildTime, v.Go)
			return err
		},
	}
}
