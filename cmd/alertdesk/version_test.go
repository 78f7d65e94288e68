package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadVersion(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123abcd"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	dirty := append(append([]debug.BuildSetting{}, vcs[:3]...), debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	for _, tc := range []struct {
		name  string
		bi    *debug.BuildInfo
		ok    bool
		built string
		want  versionInfo
	}{
		{"no build info", nil, false, "", versionInfo{"devel", "devel", "devel", "devel", "devel"}},
		{"go run", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "",
			versionInfo{"devel", "devel", "devel", "devel", "go1.26.8"}},
		{"tagged", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: vcs}, true, "2026-12-02T08:00:00Z",
			versionInfo{"v1.4.0", "0123abcd", "2026-12-01T10:00:00Z", "2026-12-02T08:00:00Z", "go1.26.8"}},
		{"uncommitted", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.1-0.20261201100000-0123abcd+dirty"}, Settings: dirty}, true, "",
			versionInfo{"v1.4.1-0.20261201100000-0123abcd+dirty", "0123abcd+dirty", "2026-12-01T10:00:00Z", "devel", "devel"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := readVersion(tc.bi, tc.ok, tc.built); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	out, _, err := execute(t, "version")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"alertdesk ", "commit: ", "commit time: ", "build time: ", "go: "} {
		if !strings.Contains(out, want) {
			t.Errorf("version lacks %q:\n%s", want, out)
		}
	}
}
