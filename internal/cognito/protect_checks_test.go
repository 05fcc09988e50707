package cognito

import "testing"

// TestProtectionChecks: a Protection checks requests when it protects an
// attribute or forbids an operation, either alone, and not when it has
// neither (the proxy then skips CheckRequest).
func TestProtectionChecks(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    Protection
		want bool
	}{
		{"nothing", Protection{}, false},
		{"hide user existence only", Protection{HideUserExistence: true}, false},
		{"attributes only", Protection{Attributes: []string{"custom:*"}}, true},
		{"operations only", Protection{ForbiddenOperations: map[string]bool{"DeleteUser": true}}, true},
		{"both", Protection{Attributes: []string{"email"}, ForbiddenOperations: map[string]bool{"DeleteUser": true}}, true},
	} {
		if got := tt.p.Checks(); got != tt.want {
			t.Errorf("%s: Checks() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
