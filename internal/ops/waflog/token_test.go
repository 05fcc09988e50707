package waflog

import (
	"testing"

	"github.com/poolguard/poolguard/internal/rules/waf"
)

func TestAppendTokenResponse(t *testing.T) {
	for _, tc := range []struct {
		r        waf.TokenResult
		isAction bool
		want     string
	}{
		{waf.TokenResult{}, false, ``},
		{waf.TokenResult{}, true, `,"captchaResponse":{"responseCode":405,"failureReason":"TOKEN_MISSING"}`},
		{waf.TokenResult{Checked: true, SolveTimestamp: 1700000000}, false, `,"captchaResponse":{"responseCode":0,"solveTimestamp":1700000000}`},
		{waf.TokenResult{Checked: true, ResponseCode: 405, SolveTimestamp: 1700000000, FailureReason: "TOKEN_EXPIRED"}, true,
			`,"captchaResponse":{"responseCode":405,"solveTimestamp":1700000000,"failureReason":"TOKEN_EXPIRED"}`},
	} {
		if got := string(appendTokenResponse(nil, "captchaResponse", tc.r, tc.isAction, 405)); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}
