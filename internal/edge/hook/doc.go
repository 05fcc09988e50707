// Package hook is the client of the external decision hook: a service (a
// fraud or bot engine) that the proxy asks, for configured Cognito
// operations, whether to allow, block, challenge or count a request that
// the web ACL let through, and which labels to add.
//
// The hook receives a JSON Request by POST and answers a JSON Answer. It
// never receives passwords, tokens, codes or secrets: only the fields the
// configuration names, checked against config.SecretField, and nested keys
// named like secrets are dropped on the way out.
//
// A Hook bounds its calls in flight with a semaphore and each call with a
// timeout; a full semaphore, a timeout or any failure decides by the
// configured on_error at once, so a slow or dead hook costs the proxy at
// most the timeout per request and never more than max_concurrency
// connections.
package hook
