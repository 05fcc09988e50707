package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name    string
		stamped string
		rev     string
		bi      *debug.BuildInfo
		want    Info
	}{
		{"release build", "v1.2.3", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs("abc123", "false")},
			Info{"v1.2.3", "abc123", "go1.26.8"}},
		{"working tree", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: vcs("abc123", "true")},
			Info{"dev", "abc123-dirty", "go1.26.8"}},
		{"go install module@version", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.9.0"}},
			Info{"v0.9.0", "unknown", "go1.26.8"}},
		{"container build without .git", "v1.2.3", "def456", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			Info{"v1.2.3", "def456", "go1.26.8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fromBuildInfo(tt.stamped, tt.rev, tt.bi); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if got := fromBuildInfo("", "", nil); got.Version != "dev" || got.Revision != "unknown" || got.GoVersion == "" {
		t.Errorf("no build info: %+v", got)
	}
}

func TestString(t *testing.T) {
	if got, want := (Info{"v1.2.3", "abc", "go1.26.8"}).String(), "poolguard v1.2.3 (revision abc, go1.26.8)"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
