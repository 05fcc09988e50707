package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
)

// record holds the fields of one log line the analyses read. Byte slices
// point into the line and are valid until the next line is read.
type record struct {
	ts        int64
	hasTS     bool
	action    []byte
	clientIP  []byte
	uri       []byte
	target    []byte // first x-amz-target header value
	ipRep     bool   // has one of the IP reputation labels the article's query reads
	suspect   bool   // has a bot-signal, outcome-signal or breached-credential label
	operation []byte // poolguard.operation, or a CloudTrail eventName
	pg        bool   // has a poolguard object
	upStatus  int64
	proxyErr  bool
	upOp      []byte // poolguard.upstreamOperation
	clientID  []byte // poolguard.clientId, or CloudTrail's requestParameters.clientId
	authFlow  []byte // poolguard.authFlow, or CloudTrail's requestParameters.authFlow
	forwarded bool   // poolguard.forwarded
	trail     bool   // a CloudTrail event, not a WAF log record
	userAgent []byte // CloudTrail's userAgent
	answer    []byte // poolguard.outcome.answer: Cognito's classified answer
	userHash  []byte // poolguard.outcome.user: the keyed hash of the user
}

func (r *record) reset() { *r = record{} }

var errSyntax = errors.New("malformed JSON record")

// ipRepLabels are the label names the article's CASE puts in IPReputation.
var ipRepLabels = [][]byte{
	[]byte("awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"),
	[]byte("awswaf:managed:aws:amazon-ip-list:AWSManagedReconnaissanceList"),
	[]byte("awswaf:managed:aws:amazon-ip-list:AWSManagedIPDDoSList"),
}

// SuspectLabel reports whether a request with label name is left out of
// rate recommendations: AWS bot-control signals (the proxy's bot signals
// reproduce them), labels in an "outcome" namespace (added after a
// request's answers showed an attack) and breached-credential labels.
func SuspectLabel(name []byte) bool {
	return bytes.HasPrefix(name, []byte("awswaf:managed:aws:bot-control:")) ||
		bytes.Contains(name, []byte(":outcome:")) || bytes.HasPrefix(name, []byte("poolguard:outcome:")) ||
		bytes.HasPrefix(name, []byte("poolguard:credential:"))
}

// scanRecord fills r from one JSON object. It checks structure only as far
// as it reads: skipped values are delimited, not validated.
//
// It is hand-written although gjson (a dependency) reads the same fields,
// because it is measurably faster on the analyzer's hot path: on 20,000
// records of the simulated log, 430-690 MB/s against gjson's 130-195 MB/s
// (with the validating pass a malformed-line count needs) or 120-185 MB/s
// (without it), both without allocating (BenchmarkScanRecord, `go test
// -run '^$' -bench BenchmarkScanRecord -count 5 ./internal/ops/analyze` on 2
// shared cores). scanRecordGJSON, the gjson version, stays in the tests
// as a second reading: TestScanRecordMatchesGJSON and FuzzScanRecordGJSON
// check that both agree on every valid JSON line.
func scanRecord(b []byte, r *record) error {
	r.reset()
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSyntax
	}
	_, err := scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
		switch string(key) {
		case "timestamp":
			j := scanNumber(b, i)
			n, ok := parseInt(b[i:j])
			if !ok {
				return j, errSyntax
			}
			r.ts, r.hasTS = n, true
			return j, nil
		case "action":
			return scanStringInto(b, i, &r.action)
		case "httpRequest":
			return scanHTTPRequest(b, i, r)
		case "labels":
			return scanLabels(b, i, r)
		case "poolguard":
			r.pg = true
			return scanPoolguard(b, i, r)
		}
		return skipValue(b, i)
	})
	return err
}

func scanHTTPRequest(b []byte, i int, r *record) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return skipValue(b, i)
	}
	return scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
		switch string(key) {
		case "clientIp":
			return scanStringInto(b, i, &r.clientIP)
		case "uri":
			return scanStringInto(b, i, &r.uri)
		case "headers":
			return scanHeaders(b, i, r)
		}
		return skipValue(b, i)
	})
}

// scanHeaders finds the first x-amz-target header, matching the name
// case-insensitively (AWS logs names as the client sent them).
func scanHeaders(b []byte, i int, r *record) (int, error) {
	if i >= len(b) || b[i] != '[' {
		return skipValue(b, i)
	}
	return scanArray(b, i, func(b []byte, i int) (int, error) {
		if b[i] != '{' {
			return skipValue(b, i)
		}
		var name, value []byte
		j, err := scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
			switch string(key) {
			case "name":
				return scanStringInto(b, i, &name)
			case "value":
				return scanStringInto(b, i, &value)
			}
			return skipValue(b, i)
		})
		if err == nil && r.target == nil && bytes.EqualFold(name, []byte("x-amz-target")) {
			r.target = value
		}
		return j, err
	})
}

func scanLabels(b []byte, i int, r *record) (int, error) {
	if i >= len(b) || b[i] != '[' {
		return skipValue(b, i)
	}
	return scanArray(b, i, func(b []byte, i int) (int, error) {
		if b[i] != '{' {
			return skipValue(b, i)
		}
		return scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
			if string(key) != "name" {
				return skipValue(b, i)
			}
			var name []byte
			j, err := scanStringInto(b, i, &name)
			if err == nil && !r.ipRep {
				for _, l := range ipRepLabels {
					if bytes.Equal(name, l) {
						r.ipRep = true
					}
				}
			}
			if err == nil && !r.suspect {
				r.suspect = SuspectLabel(name)
			}
			return j, err
		})
	})
}

func scanPoolguard(b []byte, i int, r *record) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return skipValue(b, i)
	}
	return scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
		switch string(key) {
		case "operation":
			return scanStringInto(b, i, &r.operation)
		case "upstreamOperation":
			return scanStringInto(b, i, &r.upOp)
		case "clientId":
			return scanStringInto(b, i, &r.clientID)
		case "authFlow":
			return scanStringInto(b, i, &r.authFlow)
		case "forwarded":
			r.forwarded = i+4 <= len(b) && string(b[i:i+4]) == "true"
			return skipValue(b, i)
		case "upstreamStatus":
			j := scanNumber(b, i)
			n, ok := parseInt(b[i:j])
			if !ok {
				return j, errSyntax
			}
			r.upStatus = n
			return j, nil
		case "outcome":
			return scanOutcome(b, i, r)
		case "proxyErrorType":
			var v []byte
			j, err := scanStringInto(b, i, &v)
			r.proxyErr = len(v) > 0
			return j, err
		}
		return skipValue(b, i)
	})
}

func scanOutcome(b []byte, i int, r *record) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return skipValue(b, i)
	}
	return scanObject(b, i, func(key []byte, b []byte, i int) (int, error) {
		switch string(key) {
		case "answer":
			return scanStringInto(b, i, &r.answer)
		case "user":
			return scanStringInto(b, i, &r.userHash)
		}
		return skipValue(b, i)
	})
}

// scanObject calls field for each member of the object at b[i] ('{') with
// the key's raw bytes and the index of its value; field returns the index
// after the value. It returns the index after the closing '}'.
func scanObject(b []byte, i int, field func(key []byte, b []byte, i int) (int, error)) (int, error) {
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return i, errSyntax
		}
		end, err := stringEnd(b, i)
		if err != nil {
			return end, err
		}
		key := b[i+1 : end-1]
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return i, errSyntax
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return i, errSyntax
		}
		if i, err = field(key, b, i); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, errSyntax
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, errSyntax
		}
	}
}

// scanArray calls elem for each element of the array at b[i] ('[').
func scanArray(b []byte, i int, elem func(b []byte, i int) (int, error)) (int, error) {
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		if i >= len(b) {
			return i, errSyntax
		}
		var err error
		if i, err = elem(b, i); err != nil {
			return i, err
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, errSyntax
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, errSyntax
		}
	}
}

// scanStringInto stores the raw contents of the string at b[i] in *dst
// (unescaped when it contains escapes) and returns the index after it. A
// null leaves *dst nil.
func scanStringInto(b []byte, i int, dst *[]byte) (int, error) {
	if b[i] != '"' {
		return skipValue(b, i)
	}
	end, err := stringEnd(b, i)
	if err != nil {
		return end, err
	}
	raw := b[i+1 : end-1]
	if bytes.IndexByte(raw, '\\') >= 0 {
		// Escapes are rare in WAF logs: encoding/json decodes them (JSON's
		// escapes, "\/" included, are not Go's: strconv.Unquote refused
		// "\/").
		var s string
		if err := json.Unmarshal(b[i:end], &s); err != nil {
			return end, errSyntax
		}
		raw = []byte(s)
	}
	*dst = raw
	return end, nil
}

// stringEnd returns the index after the closing quote of the string
// starting at b[i].
func stringEnd(b []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b), errSyntax
		}
		j += k
		// Count the backslashes before the quote: odd means escaped.
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, nil
		}
		j++
	}
}

// skipValue returns the index after the JSON value at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, errSyntax
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := stringEnd(b, j)
				if err != nil {
					return end, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return len(b), errSyntax
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j, nil
		}
		j++
	}
	return j, nil
}

func scanNumber(b []byte, i int) int {
	j := i
	for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '-' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+') {
		j++
	}
	return j
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// parseInt parses a non-negative decimal integer without allocating. A
// number with a fraction or exponent (AWS never writes one here) is
// refused.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
