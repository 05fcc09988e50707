package challenge

import (
	"encoding/xml"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// svgStroke is one drawn element of a puzzle as a script sees it: its
// fill and the position of its first point.
type svgStroke struct {
	fill string
	x, y float64
}

// parseStrokes reads every rect and path of an SVG with encoding/xml, in
// document order, skipping the background.
func parseStrokes(t *testing.T, svg string) []svgStroke {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var out []svgStroke
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range se.Attr {
			attr[a.Name.Local] = a.Value
		}
		var s svgStroke
		s.fill = attr["fill"]
		switch se.Name.Local {
		case "rect":
			if attr["width"] == "200" {
				continue // the background
			}
			s.x, _ = strconv.ParseFloat(attr["x"], 64)
			s.y, _ = strconv.ParseFloat(attr["y"], 64)
		case "path":
			f := strings.FieldsFunc(attr["d"], func(r rune) bool { return r == 'M' || r == 'L' || r == ' ' || r == 'Z' })
			if len(f) < 2 {
				continue
			}
			s.x, _ = strconv.ParseFloat(f[0], 64)
			s.y, _ = strconv.ParseFloat(f[1], 64)
		default:
			continue
		}
		out = append(out, s)
	}
	return out
}

// readPuzzle is the script an adversarial review used on the first
// puzzle, with no OCR: take the strokes of the ink colour (the darkest
// fill, or every stroke when inkOnly is false), cut them into five digit
// slots by x, snap each slot's strokes to the font's 5×7 grid, and take
// the nearest glyph.
func readPuzzle(strokes []svgStroke, inkOnly bool) string {
	ink := ""
	if inkOnly {
		best := math.MaxFloat64
		for _, s := range strokes {
			if l := luminance(s.fill); l < best {
				best, ink = l, s.fill
			}
		}
	}
	var slots [5][]svgStroke
	for _, s := range strokes {
		if inkOnly && s.fill != ink {
			continue
		}
		if i := int((s.x - 14) / 36); i >= 0 && i < 5 {
			slots[i] = append(slots[i], s)
		}
	}
	var code strings.Builder
	for _, slot := range slots {
		if len(slot) == 0 {
			code.WriteByte('?')
			continue
		}
		best, bestD := 0, 1<<30
		for slant := -1.0; slant <= 1; slant++ { // the first puzzle slanted digits by whole pixels
			d, dist := nearestGlyph(slot, slant)
			if dist < bestD {
				best, bestD = d, dist
			}
		}
		code.WriteByte(byte('0' + best))
	}
	return code.String()
}

// nearestGlyph snaps a slot's strokes to the 5×7 grid after undoing a
// slant, and returns the nearest glyph and its Hamming distance.
func nearestGlyph(slot []svgStroke, slant float64) (int, int) {
	minY := math.MaxFloat64
	for _, s := range slot {
		minY = math.Min(minY, s.y)
	}
	xs := make([]float64, len(slot))
	rows := make([]int, len(slot))
	minX := math.MaxFloat64
	for i, s := range slot {
		rows[i] = int((s.y - minY + 2) / 6)
		xs[i] = s.x - slant*float64(6-rows[i])
		minX = math.Min(minX, xs[i])
	}
	var grid [7][5]bool
	for i := range slot {
		col := int((xs[i] - minX + 2) / 5)
		if col >= 0 && col < 5 && rows[i] >= 0 && rows[i] < 7 {
			grid[rows[i]][col] = true
		}
	}
	best, bestD := 0, 1<<30
	for d, glyph := range digitFont {
		dist := 0
		for r, line := range glyph {
			for c, px := range line {
				if (px == '#') != grid[r][c] {
					dist++
				}
			}
		}
		if dist < bestD {
			best, bestD = d, dist
		}
	}
	return best, bestD
}

func luminance(hex string) float64 {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil {
		return math.MaxFloat64
	}
	return 0.3*float64(v>>16) + 0.59*float64(v>>8&0xff) + 0.11*float64(v&0xff)
}

// TestPuzzleNotReadableByScript is the attacker's test: the review's
// script (and a colour-blind variant of it) must not read the puzzle. On
// the first puzzle (digits in one colour, in order, on the font's grid)
// the script read every code; here it must read none of 200, and no more
// digits than chance would give.
func TestPuzzleNotReadableByScript(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) int { return rng.IntN(n) }
	const n = 200
	for _, inkOnly := range []bool{true, false} {
		codes, digits := 0, 0
		for range n {
			var code strings.Builder
			for range 5 {
				code.WriteByte(byte('0' + rnd(10)))
			}
			got := readPuzzle(parseStrokes(t, drawCode(code.String(), rnd)), inkOnly)
			if got == code.String() {
				codes++
			}
			for i := range 5 {
				if got[i] == code.String()[i] {
					digits++
				}
			}
		}
		t.Logf("ink only %v: %d of %d codes, %d of %d digits read", inkOnly, codes, n, digits, 5*n)
		if codes > 0 || digits > 5*n/5 { // chance is 1 in 10 digits
			t.Errorf("ink only %v: the script read %d of %d codes and %d of %d digits", inkOnly, codes, n, digits, 5*n)
		}
	}
}

// TestPuzzleHasNoStructuralTells checks the drawing itself: one element
// kind, one palette shared by every stroke, no groups or transforms.
func TestPuzzleHasNoStructuralTells(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	svg := drawCode("40217", func(n int) int { return rng.IntN(n) })
	for _, tell := range []string{"<g", "transform", "<text", "<rect x"} {
		if strings.Contains(svg, tell) {
			t.Errorf("the SVG contains %q", tell)
		}
	}
	fills := map[string]int{}
	for _, s := range parseStrokes(t, svg) {
		fills[s.fill]++
	}
	keys := make([]string, 0, len(fills))
	for k := range fills {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) != len(inkPalette) {
		t.Errorf("fills %v; want the %d colours of the palette, each shared", fills, len(inkPalette))
	}
}
