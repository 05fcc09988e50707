package waflog

import (
	pgoutcome "github.com/poolguard/poolguard/internal/outcome"
)

// appendOutcome writes the attack protection's view of the request under
// poolguard.outcome: its category, Cognito's classified answer, the labels
// the tracker added and the counts they came from. Counts only: no
// address, user name or number.
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
	dst = appendBoolField(dst, "knownSource", s.KnownIP || s.KnownNet)
	if s.SMSReserved || s.SMSExhausted {
		dst = appendIntField(dst, "smsHour", s.SMSHour)
		dst = appendIntField(dst, "smsDay", s.SMSDay)
		dst = appendIntField(dst, "smsCallingCodeHour", s.CallingCodeHour)
		dst = appendIntField(dst, "smsCallingCodeDay", s.CallingCodeDay)
	}
	return append(dst, '}')
}
