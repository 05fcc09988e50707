package waf

import "testing"

func TestSizeConstraintStatement(t *testing.T) {
	stmt := func(op string) string {
		return `{"SizeConstraintStatement":{"FieldToMatch":{"SingleHeader":{"Name":"x-v"}},"ComparisonOperator":"` + op + `","Size":3,"TextTransformations":` + tNONE + `}}`
	}
	h := func(v string) testRequest { return testRequest{Headers: hdrs("X-V", v)} }
	for _, tt := range []struct {
		op              string
		short, eq, long bool
	}{
		{"EQ", false, true, false}, {"NE", true, false, true}, {"LE", true, true, false},
		{"LT", true, false, false}, {"GE", false, true, true}, {"GT", false, false, true},
	} {
		t.Run(tt.op, func(t *testing.T) {
			runStmtCases(t, stmt(tt.op), nil, testOptions(), []stmtCase{
				{"2 bytes", h("ab"), tt.short}, {"3 bytes", h("abc"), tt.eq}, {"4 bytes", h("abcd"), tt.long},
				{"missing header never matches", testRequest{}, false},
			})
		})
	}
}

func TestSizeConstraintBodyOversize(t *testing.T) {
	big := string(make([]byte, DefaultBodyInspectionLimit+1))
	for _, tt := range []struct {
		handling string
		want     bool
	}{{"CONTINUE", true}, {"MATCH", true}, {"NO_MATCH", false}} {
		stmt := `{"SizeConstraintStatement":{"FieldToMatch":{"Body":{"OversizeHandling":"` + tt.handling + `"}},"ComparisonOperator":"GE","Size":8192,"TextTransformations":` + tNONE + `}}`
		t.Run(tt.handling, func(t *testing.T) {
			runStmtCases(t, stmt, nil, testOptions(), []stmtCase{{"oversize body", testRequest{Body: big}, tt.want}})
		})
	}
}
