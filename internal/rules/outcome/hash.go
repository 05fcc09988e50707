package outcome

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"hash/maphash"
	"net/netip"
	"sync"
)

// Hasher turns addresses, user names and phone numbers into the keyed
// 64-bit hashes a Store keeps. With a key it is HMAC-SHA-256 (the same
// value on every replica that shares the key, as a shared store needs);
// without one it is hash/maphash with a random seed (this process only,
// and allocation-free). A Hasher is safe for concurrent use.
type Hasher struct {
	seed maphash.Seed
	pool *sync.Pool // of HMAC hashes; nil without a key
}

// processSeed keys every unkeyed Hasher of this process, so that a
// reload's new Hasher still finds the counts of the old one.
var processSeed = maphash.MakeSeed()

// NewHasher returns a Hasher keyed by key (nil or empty: a random seed
// drawn once per process).
func NewHasher(key []byte) *Hasher {
	h := &Hasher{seed: processSeed}
	if len(key) > 0 {
		key = append([]byte(nil), key...)
		h.pool = &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}
	}
	return h
}

// Domains separate the hashes of different things with equal bytes.
const (
	domainIP byte = iota + 1
	domainNet
	domainUser
	domainPhone
	domainCallingCode
	domainSub
)

// sum returns the hash of domain, scope and s, lower-casing s's ASCII
// letters when fold is set; never 0. Scope (a user pool, or "") is
// hashed with its length, so that no two (scope, s) pairs hash the same
// bytes.
func (h *Hasher) sum(domain byte, scope, s string, fold bool) uint64 {
	var out uint64
	if h.pool == nil {
		out = h.local(domain, scope, s, fold)
	} else {
		out = h.keyed(domain, scope, s, fold)
	}
	if out == 0 {
		out = 1
	}
	return out
}

// local is sum with hash/maphash; it does not allocate.
func (h *Hasher) local(domain byte, scope, s string, fold bool) uint64 {
	var buf [64]byte
	var mh maphash.Hash
	mh.SetSeed(h.seed)
	mh.WriteByte(domain)
	mh.Write(binary.BigEndian.AppendUint32(buf[:0], uint32(len(scope))))
	mh.WriteString(scope)
	for len(s) > 0 {
		n := copy(buf[:], s)
		if fold {
			lower(buf[:n])
		}
		mh.Write(buf[:n])
		s = s[n:]
	}
	return mh.Sum64()
}

// keyed is sum with HMAC-SHA-256.
func (h *Hasher) keyed(domain byte, scope, s string, fold bool) uint64 {
	buf := make([]byte, 0, 5+len(scope)+len(s))
	buf = append(buf, domain)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(scope)))
	buf = append(buf, scope...)
	n := len(buf)
	buf = append(buf, s...)
	if fold {
		lower(buf[n:])
	}
	mac := h.pool.Get().(hash.Hash)
	mac.Reset()
	mac.Write(buf)
	var sum [sha256.Size]byte
	out := binary.BigEndian.Uint64(mac.Sum(sum[:0]))
	h.pool.Put(mac)
	return out
}

func lower(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// User returns the hash of a user name in a user pool, the name
// case-folded and trimmed of surrounding spaces (Cognito user names and
// email aliases are case-insensitive in pools created since 2020); 0 for
// "". One name in two pools names two users: the pool is part of every
// user's hash, so no count, alias, known source or reset of one pool's
// user is another's.
func (h *Hasher) User(pool, name string) uint64 {
	for len(name) > 0 && name[0] == ' ' {
		name = name[1:]
	}
	for len(name) > 0 && name[len(name)-1] == ' ' {
		name = name[:len(name)-1]
	}
	if name == "" {
		return 0
	}
	return h.sum(domainUser, pool, name, true)
}

// Sub returns the hash naming a user of a user pool by its sub; 0 for "".
func (h *Hasher) Sub(pool, sub string) uint64 {
	if sub == "" {
		return 0
	}
	return h.sum(domainUser, pool, sub, true)
}

// Phone returns the hash of an E.164 number; 0 for "".
func (h *Hasher) Phone(e164 string) uint64 {
	if e164 == "" {
		return 0
	}
	return h.sum(domainPhone, "", e164, false)
}

// CallingCode returns the hash of a country calling code such as "+44"; 0
// for "".
func (h *Hasher) CallingCode(cc string) uint64 {
	if cc == "" {
		return 0
	}
	return h.sum(domainCallingCode, "", cc, false)
}

// Addr returns the hashes of an address and of its network: /24 for IPv4,
// /64 for IPv6 (zero for an invalid address).
func (h *Hasher) Addr(a netip.Addr) (ip, network uint64) {
	if !a.IsValid() {
		return 0, 0
	}
	a = a.Unmap().WithZone("")
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	b16 := a.As16()
	ip = h.sum(domainIP, "", string(b16[:]), false)
	n16 := p.Addr().As16()
	var nb [17]byte
	copy(nb[:], n16[:])
	nb[16] = byte(bits)
	network = h.sum(domainNet, "", string(nb[:]), false)
	return ip, network
}
