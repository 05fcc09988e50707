package phone

import (
	"errors"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestParse(t *testing.T) {
	us := Number{E164: "+14155552671", CallingCode: "+1", Region: "US", Type: TypeFixedLineOrMobile}
	tests := []struct {
		name, in string
		want     Number // zero: ErrInvalid
	}{
		{"E.164", "+14155552671", us},
		{"spaces and parentheses", "+1 (415) 555-2671", us},
		{"dots", "+1.415.555.2671", us},
		{"00 prefix", "0014155552671", us},
		{"00 prefix with spaces", "00 1 415 555 2671", us},
		{"full-width digits and plus", "＋１４１５５５５２６７１", us},
		{"Arabic-Indic digits", "+١٤١٥٥٥٥٢٦٧١", us},
		{"full-width 00 prefix", "００１４１５５５５２６７１", us},
		{"zero-width space first", "\u200b+14155552671", us},
		{"surrounding spaces", "  +14155552671\t", us},
		{"Jamaica mobile", "+1 876 210 1234", Number{"+18762101234", "+1", "JM", TypeMobile}},
		{"Jamaica fixed or mobile", "+18765230123", Number{"+18765230123", "+1", "JM", TypeFixedLineOrMobile}},
		{"British Virgin Islands", "+12843001234", Number{"+12843001234", "+1", "VG", TypeMobile}},
		{"Bahamas", "+12423591234", Number{"+12423591234", "+1", "BS", TypeMobile}},
		{"NANP premium rate (900)", "+19002123456", Number{"+19002123456", "+1", "US", TypePremiumRate}},
		{"UK premium rate", "+44 901 234 5678", Number{"+449012345678", "+44", "GB", TypePremiumRate}},
		{"UK VoIP", "+445612345678", Number{"+445612345678", "+44", "GB", TypeVoIP}},
		{"UK mobile", "+447400123456", Number{"+447400123456", "+44", "GB", TypeMobile}},
		{"international networks +882", "+88216123456", Number{"+88216123456", "+882", "001", TypeVoIP}},
		{"too short", "+1876555123", Number{}},
		{"unallocated NANP area code 555", "+15551234567", Number{}},
		{"no international prefix", "14155552671", Number{}},
		{"national form", "(415) 555-2671", Number{}},
		{"single zero prefix", "014155552671", Number{}},
		{"plus alone", "+", Number{}},
		{"empty", "", Number{}},
		{"letters (extension)", "+1 415 555 2671 ext 5", Number{}},
		{"vanity letters", "+1 800 FLOWERS", Number{}},
		{"e-mail", "alice@example.com", Number{}},
		{"unknown calling code", "+999123456789", Number{}},
		{"two numbers glued", "+14155552671 +14155552672", Number{}},
		{"overlong", "+1" + strings.Repeat("5", 40), Number{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.want == (Number{}) {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse(%q) = %+v, %v; want ErrInvalid", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestLooksInternational(t *testing.T) {
	for in, want := range map[string]bool{
		"+14155552671": true, "+1 876 garbage": false, "００１": true, "+": false, "0044": true,
		"alice": false, "alice@example.com": false, "12345": false, "0123": false, "": false,
		"7f3c2a9e-0d4b-4c1e-9a4e-2b7d1f0c8e11": false, // a sub
	} {
		if got := LooksInternational(in); got != want {
			t.Errorf("LooksInternational(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts is canonical: parsing
// its E.164 form gives the same number.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"+14155552671", "００１４１５５５５２６７１", "+1 (876) 210-1234", "+88216123456", "00", "+", "\u200b+4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(n.E164)
		if err != nil || again != n {
			t.Fatalf("Parse(%q) = %+v but Parse(%q) = %+v, %v", s, n, n.E164, again, err)
		}
		if !strings.HasPrefix(n.E164, n.CallingCode) || n.Region == "" || n.Type == "" {
			t.Fatalf("Parse(%q) = %+v", s, n)
		}
	})
}

// BenchmarkParse: what classifying one number costs a request.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("+1 415 555 2671"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseAgreesWithIsValidNumber: Parse's validity test (a known type)
// is libphonenumber's IsValidNumber, over every region's example numbers
// of every type and their neighbours.
func TestParseAgreesWithIsValidNumber(t *testing.T) {
	checked := 0
	for region := range phonenumbers.GetSupportedRegions() {
		for typ := phonenumbers.FIXED_LINE; typ <= phonenumbers.VOICEMAIL; typ++ {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			e164 := phonenumbers.Format(ex, phonenumbers.E164)
			for _, s := range []string{e164, e164[:len(e164)-1], e164 + "0", e164[:len(e164)-1] + "9"} {
				n, err := phonenumbers.Parse(s, "ZZ")
				if err != nil {
					continue
				}
				_, perr := Parse(s)
				if (perr == nil) != phonenumbers.IsValidNumber(n) {
					t.Errorf("%s: Parse err %v, IsValidNumber %v", s, perr, phonenumbers.IsValidNumber(n))
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d numbers checked", checked)
	}
}
