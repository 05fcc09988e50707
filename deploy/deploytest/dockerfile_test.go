package deploytest

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// instr is one Dockerfile instruction: its keyword (lower case), its
// arguments and its flags.
type instr struct {
	cmd   string
	args  []string
	flags []string
	line  int
}

// stages parses the Dockerfile with BuildKit's own parser and splits it
// into build stages, each starting with its FROM.
func stages(t *testing.T, path string) [][]instr {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, w := range res.Warnings {
		t.Errorf("%s: %s", path, w.Short)
	}
	var out [][]instr
	for _, n := range res.AST.Children {
		in := instr{cmd: strings.ToLower(n.Value), flags: n.Flags, line: n.StartLine}
		for a := n.Next; a != nil; a = a.Next {
			in.args = append(in.args, a.Value)
		}
		if in.cmd == "from" {
			out = append(out, nil)
		}
		if len(out) == 0 {
			continue // ARG before the first FROM
		}
		out[len(out)-1] = append(out[len(out)-1], in)
	}
	return out
}

func find(stage []instr, cmd string) []instr {
	var out []instr
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// The image is multi-stage, the binary static (CGO_ENABLED=0) and stamped
// with the version, the final stage non-root with a healthcheck on the
// admin listener, the OCI labels set, poolguard the entrypoint.
func TestDockerfile(t *testing.T) {
	st := stages(t, "../../Dockerfile")
	if len(st) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(st))
	}
	build, final := st[0], st[len(st)-1]

	var goBuild string
	for _, r := range find(build, "run") {
		if s := strings.Join(r.args, " "); strings.Contains(s, "go build") {
			goBuild = s
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "internal/ops/buildinfo.version=${VERSION}", "internal/ops/buildinfo.revision=${REVISION}", "./cmd/poolguard"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("the go build step lacks %q: %s", want, goBuild)
		}
	}
	// The -X targets exist: a renamed variable would make -X a silent no-op.
	src, err := os.ReadFile("../../internal/ops/buildinfo/buildinfo.go")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^var version, revision string$`).Match(src) {
		t.Error("internal/ops/buildinfo no longer declares `var version, revision string`, the -X targets")
	}

	from := find(final, "from")[0].args[0]
	if !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		t.Errorf("runtime base %q: want distroless/static or scratch", from)
	}
	users := find(final, "user")
	if len(users) == 0 {
		t.Fatal("the runtime stage sets no USER: it would run as root")
	}
	if u := strings.SplitN(users[len(users)-1].args[0], ":", 2)[0]; u == "0" || u == "root" || u == "" {
		t.Errorf("runtime USER %q is root", u)
	}
	copied := false
	for _, c := range find(final, "copy") {
		if slices.Contains(c.flags, "--from=build") && slices.Contains(c.args, "/poolguard") {
			copied = true
		}
	}
	if !copied {
		t.Error("the runtime stage does not COPY --from=build the binary to /poolguard")
	}

	hc := find(final, "healthcheck")
	if len(hc) != 1 || hc[0].args[0] != "CMD" || !slices.Equal(hc[0].args[1:], []string{"/poolguard", "health", "--admin", "127.0.0.1:9090"}) {
		t.Errorf("HEALTHCHECK %+v, want CMD /poolguard health --admin 127.0.0.1:9090", hc)
	}
	if ep := find(final, "entrypoint"); len(ep) != 1 || !slices.Equal(ep[0].args, []string{"/poolguard"}) {
		t.Errorf("ENTRYPOINT %+v, want [\"/poolguard\"]", ep)
	}

	labels := map[string]string{}
	for _, l := range find(final, "label") {
		for i := 0; i+2 < len(l.args)+1; i += 3 { // key, value, separator
			labels[l.args[i]] = strings.Trim(l.args[i+1], `"`)
		}
	}
	for _, k := range []string{"title", "description", "source", "licenses", "version", "revision"} {
		if labels["org.opencontainers.image."+k] == "" {
			t.Errorf("label org.opencontainers.image.%s missing (have %v)", k, labels)
		}
	}
	if labels["org.opencontainers.image.licenses"] != "Apache-2.0" {
		t.Errorf("licenses label %q", labels["org.opencontainers.image.licenses"])
	}
}
