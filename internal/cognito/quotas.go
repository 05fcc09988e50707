package cognito

// DefaultQuotas are Cognito's published default request-rate quotas (requests
// per second, per account and Region) by quota category. Config may
// override them to match a raised quota.
var DefaultQuotas = map[string]float64{
	"UserAuthentication":     120,
	"UserCreation":           50,
	"UserAccountRecovery":    30,
	"UserRead":               120,
	"UserUpdate":             25,
	"UserResourceRead":       50,
	"UserResourceUpdate":     25,
	"UserToken":              120,
	"UserFederation":         25,
	"UserList":               30,
	"UserPoolRead":           15,
	"UserPoolUpdate":         15,
	"UserPoolResourceRead":   20,
	"UserPoolResourceUpdate": 15,
	"UserPoolClientRead":     15,
	"UserPoolClientUpdate":   15,
	"ClientAuthentication":   150,
}
