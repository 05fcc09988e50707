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
//
// A user name or sub hashes with its user pool: one name in two pools is
// two users, the pool and the name kept apart (the pool hashed with its
// length), so that no user of one pool is another pool's user.
func TestHasher(t *testing.T) {
	const pool = "eu-west-1_A"
	long := strings.Repeat("x", 70)
	for name, h := range map[string]*Hasher{"unkeyed": NewHasher(nil), "keyed": NewHasher([]byte("k"))} {
		t.Run(name, func(t *testing.T) {
			for _, p := range [][2]uint64{
				{h.User(pool, "alice"), h.User(pool, "ALICE")},
				{h.User(pool, "zoe"), h.User(pool, "ZOE")},
				{h.User(pool, "alice"), h.User(pool, "  alice  ")},
				{h.User(pool, long+"A"), h.User(pool, long+"a")},
				{h.Sub(pool, "0C5E-UUID"), h.Sub(pool, "0c5e-uuid")},
			} {
				if p[0] != p[1] || p[0] == 0 {
					t.Errorf("hashes %#x and %#x, want one nonzero hash", p[0], p[1])
				}
			}
			for _, p := range [][2]uint64{
				{h.User(pool, "alice"), h.User(pool, "alicf")},
				{h.User(pool, "alice"), h.User(pool, "alice2")},
				{h.User(pool, long+"a"), h.User(pool, long+"b")},
				{h.Phone("+33612345678"), h.Phone("+33612345679")},
				{h.User(pool, "+33"), h.CallingCode("+33")},
				{h.User("eu-west-1_A", "alice"), h.User("eu-west-1_B", "alice")},
				{h.Sub("eu-west-1_A", "s-1"), h.Sub("eu-west-1_B", "s-1")},
				{h.User("eu-west-1_A", "bc"), h.User("eu-west-1_Ab", "c")},
				{h.Phone("+33"), h.CallingCode("+33")},
			} {
				if p[0] == p[1] {
					t.Errorf("two different inputs hash to %#x", p[0])
				}
			}
			for _, v := range []uint64{h.User(pool, ""), h.User(pool, "   "), h.Sub(pool, ""), h.Phone(""), h.CallingCode("")} {
				if v != 0 {
					t.Errorf("an absent input hashes to %#x, want 0", v)
				}
			}
		})
	}
	if a, b := NewHasher(nil).User(pool, "alice"), NewHasher(nil).User(pool, "alice"); a != b {
		t.Errorf("two unkeyed hashers disagree: %#x, %#x", a, b)
	}
}

// With a key the hashes depend on it (replicas sharing a store share the
// key); without one the hasher does not allocate.
func TestHasherKey(t *testing.T) {
	const pool = "eu-west-1_A"
	if NewHasher([]byte("k1")).User(pool, "alice") == NewHasher([]byte("k2")).User(pool, "alice") {
		t.Error("two keys give the same hash")
	}
	h := NewHasher(nil)
	if n := testing.AllocsPerRun(100, func() { h.User(pool, "alice@example.com") }); n != 0 {
		t.Errorf("the unkeyed hasher allocates %v times a call", n)
	}
}
