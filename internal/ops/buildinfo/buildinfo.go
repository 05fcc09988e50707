// Package buildinfo reports which build of poolguard is running: the
// release version stamped at link time, the VCS revision and the Go
// version the binary was built with.
//
// Release builds set the version with
//
//	go build -ldflags "-X github.com/poolguard/poolguard/internal/ops/buildinfo.version=v1.2.3"
//
// (.goreleaser.yaml and the Dockerfile do). Without it, the version is the
// module version recorded by `go install module@version`, or "dev" for a
// build from a working tree. The revision comes from the VCS stamp the go
// command writes into binaries built inside a git checkout (-buildvcs), or
// from buildinfo.revision set the same way as the version where the build
// has no .git directory (a container build).
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version and revision are set at link time with -ldflags -X; empty means
// unstamped.
var version, revision string

// Info describes one build. The zero value is not meaningful; use Get.
type Info struct {
	// Version is the release version (e.g. "v1.2.3"), or "dev".
	Version string
	// Revision is the VCS commit the binary was built from, with
	// "-dirty" appended when the working tree had local changes, or
	// "unknown" when the build recorded none.
	Revision string
	// GoVersion is the Go toolchain version (e.g. "go1.26.8").
	GoVersion string
}

// Get returns the running binary's build information.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuildInfo(version, revision, bi)
}

// fromBuildInfo combines the link-time version with what the go command
// recorded in bi (nil when the binary carries none).
func fromBuildInfo(stamped, stampedRev string, bi *debug.BuildInfo) Info {
	info := Info{Version: stamped, Revision: "unknown", GoVersion: runtime.Version()}
	if stampedRev != "" {
		info.Revision = stampedRev
	}
	if bi == nil {
		if info.Version == "" {
			info.Version = "dev"
		}
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	if info.Version == "" {
		info.Version = "dev"
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && stampedRev == "" {
		info.Revision = rev
		if dirty {
			info.Revision += "-dirty"
		}
	}
	return info
}

// String formats the build as `poolguard version` prints it:
// "poolguard v1.2.3 (revision 0123abc, go1.26.8)".
func (i Info) String() string {
	return "poolguard " + i.Version + " (revision " + i.Revision + ", " + i.GoVersion + ")"
}
