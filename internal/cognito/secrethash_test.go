package cognito

import "testing"

func TestSecretHash(t *testing.T) {
	// Computed independently with:
	// python3 -c 'import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b"s3cr3t",b"alice1example23456789",hashlib.sha256).digest()).decode())'
	got := SecretHash([]byte("s3cr3t"), "alice", "1example23456789")
	const want = "IMpPuFOEIbgZyOCkK5ZvTY2hXdhUUff9Wz0ungvQbF8="
	if got != want {
		t.Fatalf("SecretHash = %s, want %s", got, want)
	}
}
