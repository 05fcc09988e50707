package waflog

import (
	"strconv"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

// appendTokenResponse writes captchaResponse or challengeResponse as AWS
// WAF does: when a CAPTCHA (or Challenge) rule checked a token, its
// response code (0 when the token was accepted), solve time and failure
// reason. A verdict with the action but no recorded check (built by hand)
// is logged as a missing token with the action's status.
func appendTokenResponse(dst []byte, field string, r waf.TokenResult, isAction bool, status int) []byte {
	if !r.Checked {
		if !isAction {
			return dst
		}
		r = waf.TokenResult{ResponseCode: status, FailureReason: "TOKEN_MISSING"}
	}
	dst = append(dst, `,"`...)
	dst = append(dst, field...)
	dst = append(dst, `":{"responseCode":`...)
	dst = strconv.AppendInt(dst, int64(r.ResponseCode), 10)
	if r.SolveTimestamp != 0 {
		dst = append(dst, `,"solveTimestamp":`...)
		dst = strconv.AppendInt(dst, r.SolveTimestamp, 10)
	}
	if r.FailureReason != "" {
		dst = append(dst, `,"failureReason":"`...)
		dst = append(dst, r.FailureReason...)
		dst = append(dst, '"')
	}
	return append(dst, '}')
}
