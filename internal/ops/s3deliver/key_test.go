package s3deliver

import (
	"testing"
	"time"
)

func TestLayoutKey(t *testing.T) {
	at := time.Date(2021, 10, 28, 19, 52, 31, 0, time.UTC)
	tests := []struct {
		name string
		l    Layout
		t    time.Time
		want string
	}{
		{"AWS's documented example", Layout{Account: "11111111111", Region: "us-east-1", WebACL: "TEST-WEBACL"}, at,
			"AWSLogs/11111111111/WAFLogs/us-east-1/TEST-WEBACL/2021/10/28/19/50/11111111111_waflogs_us-east-1_TEST-WEBACL_20211028T1950Z_e0ca43b5.log.gz"},
		{"prefix without slash", Layout{Prefix: "waf", Account: "1", Region: "eu-west-1", WebACL: "poolguard"}, at,
			"waf/AWSLogs/1/WAFLogs/eu-west-1/poolguard/2021/10/28/19/50/1_waflogs_eu-west-1_poolguard_20211028T1950Z_e0ca43b5.log.gz"},
		{"prefix with slash, other zone", Layout{Prefix: "a/b/", Account: "1", Region: "r", WebACL: "w"}, at.In(time.FixedZone("x", 3600)),
			"a/b/AWSLogs/1/WAFLogs/r/w/2021/10/28/19/50/1_waflogs_r_w_20211028T1950Z_e0ca43b5.log.gz"},
		{"on a boundary, across midnight", Layout{Account: "1", Region: "r", WebACL: "w"}, time.Date(2024, 12, 31, 23, 55, 0, 0, time.UTC),
			"AWSLogs/1/WAFLogs/r/w/2024/12/31/23/55/1_waflogs_r_w_20241231T2355Z_e0ca43b5.log.gz"},
	}
	for _, tt := range tests {
		if got := tt.l.Key(tt.t, "e0ca43b5"); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
