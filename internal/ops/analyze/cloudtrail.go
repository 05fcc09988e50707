package analyze

import (
	"bufio"
	"time"
)

// CognitoEventSource is the eventSource of Cognito user pool events in
// CloudTrail.
const CognitoEventSource = "cognito-idp.amazonaws.com"

// inputFormat is the kind of a log file, detected from its first bytes.
type inputFormat uint8

const (
	// formatWAFLines is one AWS WAF log record per line.
	formatWAFLines inputFormat = iota
	// formatTrailFile is a CloudTrail log file as delivered to S3:
	// {"Records":[event, ...]}.
	formatTrailFile
	// formatTrailLines is one CloudTrail event per line (e.g. `jq -c
	// '.Records[]'`, a CloudWatch Logs export).
	formatTrailLines
)

// sniffSize is how much of a file detectFormat looks at.
const sniffSize = 4096

// detectFormat looks at the first key of the first JSON object in br
// without consuming it: "Records" is a CloudTrail file, a CloudTrail event
// field is CloudTrail lines, anything else a WAF log.
func detectFormat(br *bufio.Reader) inputFormat {
	b, _ := br.Peek(sniffSize) // a short file returns what there is
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return formatWAFLines
	}
	i = skipWS(b, i+1)
	if i >= len(b) || b[i] != '"' {
		return formatWAFLines
	}
	end, err := stringEnd(b, i)
	if err != nil {
		return formatWAFLines
	}
	switch string(b[i+1 : end-1]) {
	case "Records":
		return formatTrailFile
	case "eventVersion", "eventTime", "eventSource", "userIdentity":
		return formatTrailLines
	}
	return formatWAFLines
}

// eachTrailRecord calls event for each element of the Records array of
// the CloudTrail file b. It returns errSyntax if b is not such a file.
func eachTrailRecord(b []byte, event func(b []byte, i int) (int, error)) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSyntax
	}
	_, err := scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
		if string(key) != "Records" || b[i] != '[' {
			return skipValue(b, i)
		}
		return scanArray(b, i, event)
	})
	return err
}

// scanTrailEvent fills r from the CloudTrail event object at b[i] and
// reports whether it is a Cognito user pools event. It reads eventTime,
// eventSource, eventName, sourceIPAddress, userAgent, errorCode and
// requestParameters' clientId and authFlow (AWS's documented record
// fields); the rest is skipped.
func scanTrailEvent(b []byte, i int, r *record) (int, bool, error) {
	r.reset()
	r.trail = true
	if i >= len(b) || b[i] != '{' {
		j, _ := skipValue(b, i)
		return j, false, errSyntax
	}
	var source, errorCode []byte
	j, err := scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
		switch string(key) {
		case "eventTime":
			var v []byte
			j, err := scanStringInto(b, i, &v)
			if err == nil {
				r.ts, r.hasTS = parseEventTime(v)
			}
			return j, err
		case "eventSource":
			return scanStringInto(b, i, &source)
		case "eventName":
			return scanStringInto(b, i, &r.operation)
		case "sourceIPAddress":
			return scanStringInto(b, i, &r.clientIP)
		case "userAgent":
			return scanStringInto(b, i, &r.userAgent)
		case "errorCode":
			return scanStringInto(b, i, &errorCode)
		case "requestParameters":
			if b[i] != '{' {
				return skipValue(b, i)
			}
			return scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
				switch string(key) {
				case "clientId":
					return scanStringInto(b, i, &r.clientID)
				case "authFlow":
					return scanStringInto(b, i, &r.authFlow)
				}
				return skipValue(b, i)
			})
		}
		return skipValue(b, i)
	})
	if len(errorCode) > 0 {
		r.upStatus = 400 // Cognito refused the call; CloudTrail does not give the status
	}
	return j, string(source) == CognitoEventSource, err
}

// parseEventTime parses CloudTrail's eventTime, "2006-01-02T15:04:05Z",
// without allocating; other RFC 3339 forms take the slow path.
func parseEventTime(b []byte) (int64, bool) {
	if len(b) == 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[19] == 'Z' {
		n := func(i, w int) int {
			v := 0
			for _, c := range b[i : i+w] {
				if c < '0' || c > '9' {
					return -1
				}
				v = v*10 + int(c-'0')
			}
			return v
		}
		y, mo, d, h, mi, s := n(0, 4), n(5, 2), n(8, 2), n(11, 2), n(14, 2), n(17, 2)
		if y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 61 {
			return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC).UnixMilli(), true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}
