package s3deliver

import (
	"fmt"
	"strings"
	"time"
)

// FolderMinutes is the granularity of the minute folder and the file
// name's timestamp: AWS WAF delivers a file every five minutes.
const FolderMinutes = 5

// Layout places log files as AWS WAF does when it logs a web ACL to S3:
//
//	PREFIX/AWSLogs/ACCOUNT/WAFLogs/REGION/WEBACL/YYYY/MM/dd/HH/mm/ACCOUNT_waflogs_REGION_WEBACL_YYYYMMDDTHHmmZ_HASH.log.gz
//
// so that AWS's Athena table for WAF logs, with partition projection on
// the date, reads them unchanged.
type Layout struct {
	// Prefix is the key prefix before AWSLogs/ (AWS's "KEY-NAME-PREFIX");
	// a missing trailing slash is added.
	Prefix string
	// Account is the AWS account id, Region the web ACL's region and
	// WebACL its name.
	Account, Region, WebACL string
}

// Key returns the object key of a file whose first record is at t and
// whose contents hash to hash (8 hex digits in AWS's names). The time is
// floored to FolderMinutes in UTC.
func (l Layout) Key(t time.Time, hash string) string {
	t = t.UTC().Truncate(FolderMinutes * time.Minute)
	prefix := l.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return fmt.Sprintf("%sAWSLogs/%s/WAFLogs/%s/%s/%s/%s_waflogs_%s_%s_%s_%s.log.gz",
		prefix, l.Account, l.Region, l.WebACL, t.Format("2006/01/02/15/04"),
		l.Account, l.Region, l.WebACL, t.Format("20060102T1504Z"), hash)
}
