package proxy

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/poolguard/poolguard/internal/cognito"
	"github.com/poolguard/poolguard/internal/edge/clientip"
	"github.com/poolguard/poolguard/internal/edge/request"
	"github.com/poolguard/poolguard/internal/rules/breached"
	"github.com/poolguard/poolguard/internal/rules/email"
	"github.com/poolguard/poolguard/internal/rules/outcome"
	"github.com/poolguard/poolguard/internal/rules/phone"
	"github.com/poolguard/poolguard/internal/rules/waf"
)

// The handler's request path is split into the steps below so that the rule
// tester (internal/rules/rulecheck) runs the very functions the handler runs, in
// the same order: ReadView, Judge, then Decide when the web ACL allows.

// ReadView fills v from r as the handler sees it: method, path, headers,
// the client address (through the trusted proxies) and the body, read into
// dst (bounded by MaxBodyBytes). It returns the body and the error the
// proxy answers, before any rule runs, for a request it does not read (a
// method other than POST, a path other than /, a body too large). A GET of
// a user pool's JWKS or OpenID configuration is read too, without a body.
func (st *State) ReadView(r *http.Request, v *request.View, dst []byte) ([]byte, *cognito.Error) {
	st.readHead(r, v)
	if r.Method == http.MethodGet && wellKnownPath(r.URL.Path) != "" {
		return dst, nil // a pool's JWKS or OpenID configuration: no body
	}
	if r.Method != http.MethodPost {
		return dst, cognito.MethodNotAllowed(r.Method)
	}
	if r.URL.Path != "/" {
		return dst, cognito.UnknownOperation("Cognito's API is served on / only.")
	}
	body, err := readBody(dst, r.Body, st.MaxBodyBytes)
	if err != nil {
		return body, err
	}
	v.Body = body
	return body, nil
}

// readHead fills v with what r says before its body: method, path,
// headers, the client address through the trusted proxies. Everything
// else in v is reset but the request id.
func (st *State) readHead(r *http.Request, v *request.View) {
	peer, _ := netip.ParseAddrPort(r.RemoteAddr)
	*v = request.View{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Proto: r.Proto,
		Host: r.Host, Scheme: scheme(r), Header: r.Header,
		Target:    r.Header.Get("X-Amz-Target"),
		PeerIP:    clientip.Canonical(peer.Addr()),
		ClientIP:  st.ClientIP.ClientIP(peer.Addr(), r.Header["X-Forwarded-For"]),
		RequestID: v.RequestID, Country: "XX",
	}
}

// Judge runs the stages that decide on a read request before the decision
// hook: Cognito's parse, the signals (the phone number the request can make
// the pool text, the e-mail address it names, the breached-password check,
// IP-list, e-mail-domain, geo and bot labels, country) and the web ACL,
// whose verdict it writes to vd (left untouched when the config has no web
// ACL). Labels already in v.Labels stay. It returns the error the proxy
// answers when the web ACL allows the request (a malformed call, an invalid
// phone number, a breached new password), and err when the web ACL could
// not decide (a rate store under fail_closed). memo holds the rate
// decisions JudgeHead made for the same request, or is nil.
func (st *State) Judge(ctx context.Context, now time.Time, v *request.View, vd *waf.Verdict, memo *waf.Memo) (parseErr *cognito.Error, err error) {
	return st.judge(ctx, now, v, vd, nil, memo)
}

// judge is Judge with the attack-protection tracker's labels added after
// the signals' when tx is not nil (the live handler; the rule tester
// passes nil and neither reads nor changes the outcome counts). A tracker
// store failure under fail_closed is returned as err. memo holds the rate
// decisions the head's evaluation made (refuseOnHead), or is nil.
func (st *State) judge(ctx context.Context, now time.Time, v *request.View, vd *waf.Verdict, tx *outcome.Exchange, memo *waf.Memo) (parseErr *cognito.Error, err error) {
	parseErr = cognito.Parse(v)
	v.UserPool = st.poolOf(v.ClientID)
	if v.BodyValidJSON {
		c := st.Clients[v.ClientID]
		phoneErr := phone.Resolve(v, c == nil || !c.NoPhoneUsernames)
		v.Hygiene.Phone = phone.Outcome(v, phoneErr)
		if parseErr == nil {
			parseErr = phoneErr
		}
		email.Resolve(v)
	}
	if pwErr := st.checkPassword(v); parseErr == nil {
		parseErr = pwErr
	}
	st.Signals.Annotate(v)
	if tx != nil && st.Outcomes != nil {
		if err = st.Outcomes.Before(ctx, now, v, tx); err != nil {
			return parseErr, err
		}
	}
	if st.WAF != nil {
		err = st.WAF.EvaluateMemo(ctx, now, v, vd, memo)
	}
	return parseErr, err
}

// Decide applies, to a request the web ACL allowed, the operation policy,
// the client rules and the Cognito rewrite, and returns what would be sent
// upstream or the error the proxy answers instead.
func (st *State) Decide(v *request.View, now time.Time) (cognito.Plan, *cognito.Error) {
	op, _ := cognito.Lookup(v.Operation)
	if err := st.Policy.Check(op); err != nil {
		return cognito.Plan{}, err
	}
	if op.Class == cognito.IAM {
		if err := checkClientSignature(v.Header); err != nil {
			return cognito.Plan{}, err
		}
	}
	c := st.Clients[v.ClientID]
	if c == nil && v.ClientID != "" && !st.PassUnknownClients {
		return cognito.Plan{}, cognito.Forbidden("App client " + v.ClientID + " is not served by this endpoint.")
	}
	if st.Protected {
		if err := cognito.CheckRequest(st.Clients, v); err != nil {
			return cognito.Plan{}, err
		}
	}
	return st.Rewriter.Rewrite(v, c, now)
}

// checkPassword looks the password v carries up in the breached-password
// filter: a breached sign-in gets breached.LabelBreached; a breached new
// password gets the error returned.
func (st *State) checkPassword(v *request.View) *cognito.Error {
	d := breached.Check(v, st.Breached)
	if d == breached.NotChecked {
		return nil
	}
	v.Hygiene.Password = d.String()
	switch d {
	case breached.RefuseNew:
		return errBreachedPassword
	case breached.BreachedSignIn:
		v.Labels = append(v.Labels, breached.LabelBreached)
	}
	return nil
}

// errBreachedPassword refuses a new password found in the breach corpus,
// in the shape Cognito refuses a password its policy rejects.
var errBreachedPassword = &cognito.Error{Status: http.StatusBadRequest, Type: "InvalidPasswordException",
	Message: "Password does not conform to policy: Password has appeared in a data breach. Choose a different password."}

// poolOf returns the user pool of the app client id: the listed client's
// pool, else OnlyPool (empty when the proxy passes unlisted clients on).
func (st *State) poolOf(clientID string) string {
	if c := st.Clients[clientID]; c != nil {
		return c.UserPoolID
	}
	return st.OnlyPool
}
