package cognito

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// SecretHash returns Cognito's SECRET_HASH: base64(HMAC-SHA256(key=secret,
// msg=username+clientID)).
func SecretHash(secret []byte, username, clientID string) string {
	var buf [44]byte // base64 of a SHA-256 sum
	return string(AppendSecretHash(buf[:0], secret, username, clientID))
}

// AppendSecretHash appends the secret hash to b.
func AppendSecretHash(b, secret []byte, username, clientID string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(username))
	m.Write([]byte(clientID))
	var sum [sha256.Size]byte
	return base64.StdEncoding.AppendEncode(b, m.Sum(sum[:0]))
}
