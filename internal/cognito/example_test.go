package cognito_test

import (
	"fmt"

	"github.com/poolguard/poolguard/internal/cognito"
)

// The SECRET_HASH an app client with a secret must send: Base64 of
// HMAC-SHA256 keyed by the client secret over the user name followed by
// the client id. The proxy adds it, so apps never hold the secret. (The
// value agrees with Python's hmac and base64 modules on the same input.)
func ExampleSecretHash() {
	fmt.Println(cognito.SecretHash([]byte("app-client-secret"), "alice@example.com", "1example23456789"))
	// Output: 2+9mEptVvteZPoVvbJZsHy5nPjb1Je6uhwIg0Ccyxxk=
}
