package waf

import "testing"

func TestByteMatchStatement(t *testing.T) {
	bm := func(pos, s string) string {
		return `{"ByteMatchStatement":{"SearchString":"` + s + `","FieldToMatch":{"SingleHeader":{"Name":"x-v"}},"TextTransformations":` + tNONE + `,"PositionalConstraint":"` + pos + `"}}`
	}
	h := func(v string) testRequest { return testRequest{Headers: hdrs("X-V", v)} }
	tests := []struct {
		pos, search string
		cases       []stmtCase
	}{
		{"EXACTLY", "BadBot", []stmtCase{{"equal", h("BadBot"), true}, {"longer", h("BadBot2"), false}, {"case", h("badbot"), false}, {"missing header", testRequest{}, false}}},
		{"STARTS_WITH", "Bad", []stmtCase{{"prefix", h("BadBot"), true}, {"inside", h("xBad"), false}}},
		{"ENDS_WITH", "Bot", []stmtCase{{"suffix", h("BadBot"), true}, {"inside", h("Botx"), false}}},
		{"CONTAINS", "dB", []stmtCase{{"inside", h("BadBot"), true}, {"absent", h("Bad-Bot"), false}}},
		// AWS: the word is at the start or preceded by a character other
		// than A-Z, a-z, 0-9 or _, and at the end or followed by one.
		{"CONTAINS_WORD", "BadBot", []stmtCase{
			{"whole value", h("BadBot"), true},
			{"semicolon before", h(";BadBot"), true},
			{"dash around", h("-BadBot;"), true},
			{"second occurrence is a word", h("BadBots BadBot"), true},
			{"letter after", h("BadBots"), false},
			{"underscore before", h("_BadBot"), false},
			{"digit after", h("BadBot1"), false},
			// Every letter and digit, to the ends of each range, is a word
			// character.
			{"0 before", h("0BadBot"), false},
			{"9 after", h("BadBot9"), false},
			{"a before", h("aBadBot"), false},
			{"z after", h("BadBotz"), false},
			{"A before", h("ABadBot"), false},
			{"Z after", h("BadBotZ"), false},
			// The boundaries are those of the occurrence itself, not of
			// some earlier stretch as long as the word.
			{"only occurrence is inside a word", h("xxxxxx-BadBots"), false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.pos, func(t *testing.T) { runStmtCases(t, bm(tt.pos, tt.search), nil, testOptions(), tt.cases) })
	}
}
