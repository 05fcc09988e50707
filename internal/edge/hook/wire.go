package hook

import "encoding/json"

// Request is the JSON body POSTed to the hook.
type Request struct {
	// RequestID is the proxy's id of the request (x-amzn-RequestId).
	RequestID string `json:"request_id"`
	// Operation is the Cognito operation, e.g. "SignUp".
	Operation string `json:"operation"`
	// ClientID is the app client id.
	ClientID string `json:"client_id,omitempty"`
	// ClientIP is the client's address (after trusted_proxies).
	ClientIP string `json:"client_ip,omitempty"`
	// Country is the ISO country code of ClientIP, "XX" when unknown.
	Country string `json:"country,omitempty"`
	// Labels are the labels the web ACL added so far.
	Labels []string `json:"labels"`
	// Headers are the configured request headers, lower-case names.
	Headers map[string]string `json:"headers,omitempty"`
	// Username is the user the request is about, if any.
	Username string `json:"username,omitempty"`
	// Fields are the configured body fields by path, as JSON.
	Fields map[string]json.RawMessage `json:"fields,omitempty"`
}

// Answer is the hook's JSON reply.
type Answer struct {
	// Action is "allow", "block", "captcha", "challenge" or "count".
	Action string `json:"action"`
	// Status is a block's HTTP status (400-599); default 403.
	Status int `json:"status,omitempty"`
	// ErrorType is a block's Cognito error type, e.g.
	// "NotAuthorizedException"; default "ForbiddenException".
	ErrorType string `json:"error_type,omitempty"`
	// Message is a block's message shown to the client.
	Message string `json:"message,omitempty"`
	// Labels are added to the request's labels (namespaced, see Label).
	Labels []string `json:"labels,omitempty"`
}
