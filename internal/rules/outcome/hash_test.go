package outcome

import (
	"strings"
	"testing"
)

// A user name names one user however it is cased and whatever spaces
// surround it (Cognito user names and e-mail aliases are case-insensitive),
// past the first 64 bytes too; different names, numbers and kinds of thing
// hash apart; "" is absent (0). This holds with a key (HMAC) and without
// one (hash/maphash, the default), and two unkeyed hashers of one process
// agree, so that a reload finds the counts of the hasher it replaces.
func TestHasher(t *testing.T) {
	long := strings.Repeat("x", 70)
	for name, h := range map[string]*Hasher{"unkeyed": NewHasher(nil), "keyed": NewHasher([]byte("k"))} {
		t.Run(name, func(t *testing.T) {
			for _, p := range [][2]uint64{
				{h.User("alice"), h.User("ALICE")},
				{h.User("zoe"), h.User("ZOE")},
				{h.User("alice"), h.User("  alice  ")},
				{h.User(long + "A"), h.User(long + "a")},
				{h.Sub("0C5E-UUID"), h.Sub("0c5e-uuid")},
			} {
				if p[0] != p[1] || p[0] == 0 {
					t.Errorf("hashes %#x and %#x, want one nonzero hash", p[0], p[1])
				}
			}
			for _, p := range [][2]uint64{
				{h.User("alice"), h.User("alicf")},
				{h.User("alice"), h.User("alice2")},
				{h.User(long + "a"), h.User(long + "b")},
				{h.Phone("+33612345678"), h.Phone("+33612345679")},
				{h.User("+33"), h.CallingCode("+33")},
				{h.Phone("+33"), h.CallingCode("+33")},
			} {
				if p[0] == p[1] {
					t.Errorf("two different inputs hash to %#x", p[0])
				}
			}
			for _, v := range []uint64{h.User(""), h.User("   "), h.Sub(""), h.Phone(""), h.CallingCode("")} {
				if v != 0 {
					t.Errorf("an absent input hashes to %#x, want 0", v)
				}
			}
		})
	}
	if a, b := NewHasher(nil).User("alice"), NewHasher(nil).User("alice"); a != b {
		t.Errorf("two unkeyed hashers disagree: %#x, %#x", a, b)
	}
}

// With a key the hashes depend on it (replicas sharing a store share the
// key); without one the hasher does not allocate.
func TestHasherKey(t *testing.T) {
	if NewHasher([]byte("k1")).User("alice") == NewHasher([]byte("k2")).User("alice") {
		t.Error("two keys give the same hash")
	}
	h := NewHasher(nil)
	if n := testing.AllocsPerRun(100, func() { h.User("alice@example.com") }); n != 0 {
		t.Errorf("the unkeyed hasher allocates %v times a call", n)
	}
}
