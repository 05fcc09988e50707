package challenge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"
)

// puzzle is a signed proof-of-work challenge: the client must find a
// counter n such that SHA-256(text + ":" + n) starts with bits zero bits.
// It is stateless: everything the server needs to check the answer is in
// the signed text.
type puzzle struct {
	kind     byte // 'c' CAPTCHA, 'h' challenge
	issuedAt int64
	bits     int
	nonce    [16]byte
	bind     [bindLen]byte
}

// puzzleTTL is how long a puzzle may take to solve.
const puzzleTTL = 5 * time.Minute

func (p *puzzle) text(key []byte) string {
	buf := make([]byte, 0, 1+8+1+16+bindLen)
	buf = append(buf, p.kind)
	buf = binary.BigEndian.AppendUint64(buf, uint64(p.issuedAt))
	buf = append(buf, byte(p.bits))
	buf = append(buf, p.nonce[:]...)
	buf = append(buf, p.bind[:]...)
	body := base64.RawURLEncoding.EncodeToString(buf)
	return body + "." + mac(key, "puzzle", body)
}

func parsePuzzle(key []byte, s string) (*puzzle, bool) {
	body, sig, ok := strings.Cut(s, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(mac(key, "puzzle", body))) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) != 1+8+1+16+bindLen {
		return nil, false
	}
	p := &puzzle{kind: raw[0], issuedAt: int64(binary.BigEndian.Uint64(raw[1:9])), bits: int(raw[9])}
	copy(p.nonce[:], raw[10:26])
	copy(p.bind[:], raw[26:])
	return p, true
}

// solved reports whether counter solves the puzzle whose text is text.
func solved(text, counter string, nbits int) bool {
	if counter == "" || len(counter) > 20 {
		return false
	}
	if _, err := strconv.ParseUint(counter, 10, 64); err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(text + ":" + counter))
	return leadingZeros(sum[:]) >= nbits
}

func leadingZeros(b []byte) int {
	n := 0
	for _, c := range b {
		if c != 0 {
			return n + bits.LeadingZeros8(c)
		}
		n += 8
	}
	return n
}

// solve finds a counter for text (used by tests and Go clients).
func solve(text string, nbits int) string {
	for n := uint64(0); ; n++ {
		c := strconv.FormatUint(n, 10)
		if solved(text, c, nbits) {
			return c
		}
	}
}

// Solve returns a counter that solves the challenge text at difficulty
// nbits, as the interstitial page's script does. API clients written in Go
// can use it with the challenge endpoint.
func Solve(text string, nbits int) string { return solve(text, nbits) }

// spent remembers the puzzles already answered until they expire, so that
// one solution is not turned into many tokens (and a CAPTCHA answer is
// tried once per puzzle). It is safe for concurrent use.
type spent struct {
	mu        sync.Mutex
	seen      map[[16]byte]int64 // nonce → expiry (Unix seconds)
	lastSweep int64
}

// maxSpent bounds the used puzzles remembered (about 40 MB); beyond it,
// new answers are refused until old puzzles expire.
const maxSpent = 1 << 20

// use reports whether nonce was unused, marking it used until exp.
func (s *spent) use(nonce [16]byte, now, exp int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[[16]byte]int64{}
	}
	if len(s.seen) > 4096 && now > s.lastSweep {
		// At most one sweep a second, so a flood of answers does not make
		// every verification walk the whole map.
		s.lastSweep = now
		for k, e := range s.seen {
			if e < now {
				delete(s.seen, k)
			}
		}
	}
	if _, ok := s.seen[nonce]; ok || len(s.seen) >= maxSpent {
		return false
	}
	s.seen[nonce] = exp
	return true
}
