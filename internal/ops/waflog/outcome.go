package waflog

import (
	"cmp"

	pgoutcome "github.com/poolguard/poolguard/internal/rules/outcome"
)

// appendOutcome writes the attack protection's view of the request under
// poolguard.outcome: its category, Cognito's classified answer, the labels
// the tracker added and the counts they came from, and under "user" the
// keyed hash of the user the request names (the tracker's own key, as 16
// hex digits), so `poolguard analyze outcomes` can count failures per
// user. Counts and hashes only: no address, user name or number.
func appendOutcome(dst []byte, x *pgoutcome.Exchange) []byte {
	c := x.Category()
	if c < 0 {
		return dst
	}
	s := &x.Snapshot
	dst = appendKey(dst, "outcome", false)
	dst = append(dst, '{')
	dst = appendKey(dst, "category", true)
	dst = appendString(dst, pgoutcome.Categories[c])
	dst = appendStringField(dst, "answer", x.Kind.String())
	if len(x.Added) > 0 {
		dst = appendKey(dst, "labels", false)
		dst = append(dst, '[')
		for i, l := range x.Added {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, l)
		}
		dst = append(dst, ']')
	}
	for _, f := range [...]struct {
		key string
		n   int
	}{
		{"sourceFailuresMinute", s.Source.FailMinute}, {"sourceFailuresDay", s.Source.FailDay},
		{"sourceSuccessesDay", s.Source.SuccessDay}, {"sourceUnknownUsersDay", s.Source.UnknownDay},
		{"sourceUsersFailedDay", s.Source.UsersDay}, {"networkFailuresDay", s.Network.FailDay},
		{"userSourceFailures", s.PairFail}, {"userNetworkFailures", s.NetPairFail},
		{"userFailures", s.UserFail}, {"userFailingSources", s.UserSources},
	} {
		dst = appendIntField(dst, f.key, int64(f.n))
	}
	if u := cmp.Or(x.Subject.User, x.Subject.Literal); u != 0 {
		dst = appendKey(dst, "user", false)
		dst = append(dst, '"')
		dst = appendHex16(dst, u)
		dst = append(dst, '"')
	}
	dst = appendBoolField(dst, "knownSource", s.KnownIP || s.KnownNet)
	if s.SMSReserved || s.SMSExhausted {
		dst = appendIntField(dst, "smsHour", s.SMSHour)
		dst = appendIntField(dst, "smsDay", s.SMSDay)
		dst = appendIntField(dst, "smsCallingCodeHour", s.CallingCodeHour)
		dst = appendIntField(dst, "smsCallingCodeDay", s.CallingCodeDay)
	}
	return append(dst, '}')
}

// appendHex16 appends u as 16 lower-case hex digits.
func appendHex16(dst []byte, u uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, digits[u>>uint(shift)&0xf])
	}
	return dst
}
