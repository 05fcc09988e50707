package ipsets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// FileName is the state file's name under state.dir.
const FileName = "ipsets.json"

// File is a Backend keeping the state in one JSON file, rewritten whole on
// every change (write to a temporary file, fsync, rename), for a single
// replica. Its Version is constant: no one else writes the file.
type File struct {
	// Path is the state file.
	Path string
}

// NewFile returns a File backend for dir/ipsets.json.
func NewFile(dir string) *File { return &File{Path: filepath.Join(dir, FileName)} }

type fileDoc struct {
	Version int                `json:"version"`
	Sets    map[string]fileSet `json:"sets"`
}

type fileSet struct {
	Add    []fileEntry `json:"add,omitempty"`
	Remove []fileEntry `json:"remove,omitempty"`
}

type fileEntry struct {
	Address netip.Prefix `json:"address"`
	Expires time.Time    `json:"expires,omitzero"`
}

// Load implements Backend. A missing file is an empty state.
func (f *File) Load(context.Context) (State, int64, error) {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return State{}, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	var doc fileDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", f.Path, err)
	}
	if doc.Version != 1 {
		return nil, 0, fmt.Errorf("%s: unknown version %d", f.Path, doc.Version)
	}
	st := State{}
	for name, s := range doc.Sets {
		for _, e := range s.Add {
			st.Apply(Change{Set: name, Op: OpAdd, Prefixes: []netip.Prefix{e.Address}, Expires: e.Expires})
		}
		for _, e := range s.Remove {
			st.Apply(Change{Set: name, Op: OpRemove, Prefixes: []netip.Prefix{e.Address}, Expires: e.Expires})
		}
	}
	return st, 0, nil
}

// Apply implements Backend by writing after.
func (f *File) Apply(_ context.Context, _ Change, _ time.Time, after State) (int64, error) {
	doc := fileDoc{Version: 1, Sets: map[string]fileSet{}}
	for name, ov := range after {
		doc.Sets[name] = fileSet{Add: entries(ov.Add), Remove: entries(ov.Remove)}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return 0, err
	}
	return 0, writeAtomic(f.Path, append(data, '\n'))
}

// Version implements Backend.
func (f *File) Version(context.Context) (int64, error) { return 0, nil }

func entries(m map[netip.Prefix]time.Time) []fileEntry {
	out := make([]fileEntry, 0, len(m))
	for p, exp := range m {
		out = append(out, fileEntry{Address: p, Expires: exp.UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return comparePrefix(out[i].Address, out[j].Address) < 0 })
	return out
}

// writeAtomic replaces path with data: a crash leaves the old file or the
// new one, never a mix.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".ipsets-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
