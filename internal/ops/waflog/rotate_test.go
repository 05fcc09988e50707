package waflog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRotator(t *testing.T) {
	tests := []struct {
		name      string
		maxBytes  int64
		maxFiles  int
		lines     []string
		wantFiles map[string]string // suffix ("" for the live file) -> content
	}{
		{"no rotation", 100, 2, []string{"aaaa\n", "bbbb\n"}, map[string]string{"": "aaaa\nbbbb\n"}},
		{"rotates at the limit", 10, 2, []string{"aaaa\n", "bbbb\n", "cccc\n"},
			map[string]string{"": "cccc\n", ".1": "aaaa\nbbbb\n"}},
		{"keeps max files", 5, 2, []string{"aaaa\n", "bbbb\n", "cccc\n", "dddd\n"},
			map[string]string{"": "dddd\n", ".1": "cccc\n", ".2": "bbbb\n"}},
		{"keeps none", 5, 0, []string{"aaaa\n", "bbbb\n"}, map[string]string{"": "bbbb\n"}},
		{"oversized write goes whole", 4, 1, []string{"a\n", "0123456789\n", "b\n"},
			map[string]string{"": "b\n", ".1": "0123456789\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "sub", "waf.log")
			r, err := OpenRotator(path, tt.maxBytes, tt.maxFiles)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range tt.lines {
				if _, err := r.Write([]byte(l)); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
			if len(entries) != len(tt.wantFiles) {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("files %v, want %d", names, len(tt.wantFiles))
			}
			for suffix, want := range tt.wantFiles {
				got, err := os.ReadFile(path + suffix)
				if err != nil || string(got) != want {
					t.Errorf("%s: %q %v, want %q", "waf.log"+suffix, got, err, want)
				}
			}
		})
	}
}

func TestRotatorAppendsToExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "waf.log")
	os.WriteFile(path, []byte("old1\n"), 0o644)
	r, err := OpenRotator(path, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	r.Write([]byte("new1\n")) // 5+5 > 8: rotates the old content out first
	r.Close()
	if b, _ := os.ReadFile(path + ".1"); string(b) != "old1\n" {
		t.Errorf("backup %q", b)
	}
	if b, _ := os.ReadFile(path); string(b) != "new1\n" {
		t.Errorf("live %q", b)
	}
}

func TestNewOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "destination") {
		t.Errorf("empty destination: %v", err)
	}
	if _, err := New(Options{Destination: "stdout", Headers: []string{"Cookie"}}); err == nil {
		t.Error("Cookie header accepted")
	}
	path := filepath.Join(t.TempDir(), "waf.log")
	l, err := New(Options{Destination: path, MaxSizeMB: 1, MaxFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	l.Observe(goldenCases()["allowed"])
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), `{"timestamp":`) {
		t.Errorf("file %q", b)
	}
}
