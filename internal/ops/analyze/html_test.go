package analyze

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poolguard/poolguard/internal/ops/analyze/gen"
)

const chromiumPath = "/usr/bin/chromium"

// chromium runs headless Chromium with extra args and returns its stdout.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromiumPath, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

func requireBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("POOLGUARD_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s not found and POOLGUARD_REQUIRE_BROWSER=1", chromiumPath)
		}
		t.Skipf("%s not found (apt-get install -y chromium); set POOLGUARD_REQUIRE_BROWSER=1 to make this a failure", chromiumPath)
	}
}

// TestHTMLReportRendersInChromium opens the report in headless Chromium:
// the page's script must finish without errors (it marks the body) and the
// screenshot must show drawn charts, not a blank page.
func TestHTMLReportRendersInChromium(t *testing.T) {
	requireBrowser(t)
	plain, _ := testLog(t)
	report := filepath.Join(t.TempDir(), "report.html")
	o := options("peak-rates", plain)
	o.HTML = report
	if err := Run(context.Background(), o, io.Discard); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(report)
	rest := strings.ReplaceAll(string(page), "http://www.w3.org/2000/svg", "")
	for _, bad := range []string{"http://", "https://", "<link", " src="} {
		if strings.Contains(rest, bad) {
			t.Errorf("report contains %q: it must be self-contained", bad)
		}
	}
	url := "file://" + report

	dom := string(chromium(t, "--virtual-time-budget=5000", "--dump-dom", url))
	if !strings.Contains(dom, `data-render="ok"`) || strings.Contains(dom, `<p id="render-status">The charts could not`) {
		i := strings.Index(dom, "render-status")
		t.Fatalf("page script did not finish cleanly; status: %s", dom[max(0, i-40):min(len(dom), i+200)])
	}
	if strings.Count(dom, "<polyline") < 3 || strings.Count(dom, "<rect") < 20 {
		t.Errorf("charts have too few elements: %d polylines, %d rects", strings.Count(dom, "<polyline"), strings.Count(dom, "<rect"))
	}

	shot := filepath.Join(t.TempDir(), "shot.png")
	chromium(t, "--virtual-time-budget=5000", "--screenshot="+shot, "--window-size=1200,900", url)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colours, nonWhite := pixelStats(img)
	if colours < 8 || nonWhite < 0.02 {
		t.Errorf("screenshot looks blank: %d distinct colours, %.1f%% non-white pixels", colours, 100*nonWhite)
	}
	t.Logf("screenshot: %d distinct colours, %.1f%% non-white", colours, 100*nonWhite)
}

// The report of one 5-minute bin draws a point per category (a line of one
// point draws nothing), the title names the command, a peak an attacker
// drove is flagged, sources show their blocked share, and no debug text is
// left on the page.
func TestHTMLReportOneBinInChromium(t *testing.T) {
	requireBrowser(t)
	var buf bytes.Buffer
	c := gen.Simulated(start.Add(20*time.Minute), 3000)
	c.Duration = 4 * time.Minute
	for i := range c.Attacks {
		c.Attacks[i].From, c.Attacks[i].To = 0, 4*time.Minute
	}
	if err := gen.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "waf.log")
	if err := os.WriteFile(log, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, cmd := range []string{"recommend", "errors"} {
		report := filepath.Join(dir, cmd+".html")
		o := options(cmd, log)
		o.HTML = report
		if err := Run(context.Background(), o, io.Discard); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		dom := string(chromium(t, "--virtual-time-budget=5000", "--dump-dom", "file://"+report))
		if !strings.Contains(dom, `data-render="ok"`) || strings.Count(dom, "<circle") < 3 {
			t.Errorf("%s: one bin: %d points drawn, render %v", cmd, strings.Count(dom, "<circle"), strings.Contains(dom, `data-render="ok"`))
		}
		if !strings.Contains(dom, `class="hostile"`) || !strings.Contains(dom, "yes: mostly") || !strings.Contains(dom, "blocked share") {
			t.Errorf("%s: no attacker-driven peak flagged or no blocked share", cmd)
		}
		for _, debug := range []string{"charts rendered", "series", "JavaScript disabled"} {
			if strings.Contains(dom[strings.Index(dom, "<body"):], debug+"<") || strings.Contains(dom, ">"+debug) {
				t.Errorf("%s: debug text %q on the page", cmd, debug)
			}
		}
		i, j := strings.Index(dom, "<title>"), strings.Index(dom, "</title>")
		titles[cmd] = dom[i:j]
	}
	if titles["recommend"] == titles["errors"] || !strings.Contains(titles["recommend"], "recommend") {
		t.Errorf("titles %q", titles)
	}
}

func pixelStats(img image.Image) (colours int, nonWhite float64) {
	seen := map[uint32]bool{}
	b := img.Bounds()
	var n, total int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
			total++
		}
	}
	return len(seen), float64(n) / float64(total)
}
