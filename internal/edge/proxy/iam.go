package proxy

import (
	"net/http"
	"strings"

	"github.com/poolguard/poolguard/internal/cognito"
)

// checkClientSignature returns the error for an IAM operation (forwarded
// with the client's own signature, operations.allow_iam) that does not
// carry one SigV4 Authorization header scoped to cognito-idp. Such a
// request would fail upstream anyway, or worse: an emulator routes an
// Authorization of another shape to another service, and a signature
// scoped to another service would turn the proxy into a relay to it (the
// client's Host goes upstream unchanged).
func checkClientSignature(h http.Header) *cognito.Error {
	auth := h["Authorization"]
	if len(auth) != 1 {
		return &cognito.Error{Status: http.StatusBadRequest, Type: "MissingAuthenticationTokenException",
			Message: "Operations that need AWS credentials must carry one SigV4 Authorization header."}
	}
	if !sigV4ScopedTo(auth[0], cognito.SigningService) {
		return &cognito.Error{Status: http.StatusBadRequest, Type: "InvalidSignatureException",
			Message: "Credential should be scoped to correct service: '" + cognito.SigningService + "'."}
	}
	return nil
}

// sigV4ScopedTo reports whether auth is "AWS4-HMAC-SHA256
// Credential=KEY/DATE/REGION/service/aws4_request, SignedHeaders=...,
// Signature=..." with Host among the signed headers. The signature itself
// is the upstream's to verify.
func sigV4ScopedTo(auth, service string) bool {
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return false
	}
	var scope []string
	var hostSigned, signature bool
	for f := range strings.SplitSeq(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "Credential":
			scope = strings.Split(v, "/")
		case "SignedHeaders":
			for h := range strings.SplitSeq(v, ";") {
				hostSigned = hostSigned || h == "host"
			}
		case "Signature":
			signature = v != ""
		}
	}
	return len(scope) == 5 && scope[3] == service && scope[4] == "aws4_request" && hostSigned && signature
}
