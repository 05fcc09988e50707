package waf

// FieldToMatch is the request component a statement inspects. Exactly one
// field is set.
type FieldToMatch struct {
	SingleHeader        *SingleHeader `json:"SingleHeader,omitempty"`
	SingleQueryArgument *SingleHeader `json:"SingleQueryArgument,omitempty"`
	AllQueryArguments   *Empty        `json:"AllQueryArguments,omitempty"`
	UriPath             *Empty        `json:"UriPath,omitempty"`
	QueryString         *Empty        `json:"QueryString,omitempty"`
	Body                *Body         `json:"Body,omitempty"`
	Method              *Empty        `json:"Method,omitempty"`
	JsonBody            *JsonBody     `json:"JsonBody,omitempty"`
	Headers             *Headers      `json:"Headers,omitempty"`
	Cookies             *Cookies      `json:"Cookies,omitempty"`
	HeaderOrder         any           `json:"HeaderOrder,omitempty"`
	JA3Fingerprint      any           `json:"JA3Fingerprint,omitempty"`
	JA4Fingerprint      any           `json:"JA4Fingerprint,omitempty"`
	UriFragment         any           `json:"UriFragment,omitempty"`
}

// SingleHeader names one header (or, as SingleQueryArgument, one query
// argument).
type SingleHeader struct {
	Name string `json:"Name"`
}

// Body selects the request body.
type Body struct {
	OversizeHandling string `json:"OversizeHandling,omitempty"`
}

// JsonBody selects parts of a JSON request body.
type JsonBody struct {
	MatchPattern            *JsonMatchPattern `json:"MatchPattern"`
	MatchScope              string            `json:"MatchScope"`
	InvalidFallbackBehavior string            `json:"InvalidFallbackBehavior,omitempty"`
	OversizeHandling        string            `json:"OversizeHandling,omitempty"`
}

// JsonMatchPattern selects all of a JSON body or the values at IncludedPaths
// (JSON pointers).
type JsonMatchPattern struct {
	All           *Empty   `json:"All,omitempty"`
	IncludedPaths []string `json:"IncludedPaths,omitempty"`
}

// Headers selects request headers.
type Headers struct {
	MatchPattern     *HeaderMatchPattern `json:"MatchPattern"`
	MatchScope       string              `json:"MatchScope"`
	OversizeHandling string              `json:"OversizeHandling"`
}

// HeaderMatchPattern selects headers by name.
type HeaderMatchPattern struct {
	All             *Empty   `json:"All,omitempty"`
	IncludedHeaders []string `json:"IncludedHeaders,omitempty"`
	ExcludedHeaders []string `json:"ExcludedHeaders,omitempty"`
}

// Cookies selects request cookies.
type Cookies struct {
	MatchPattern     *CookieMatchPattern `json:"MatchPattern"`
	MatchScope       string              `json:"MatchScope"`
	OversizeHandling string              `json:"OversizeHandling"`
}

// CookieMatchPattern selects cookies by name.
type CookieMatchPattern struct {
	All             *Empty   `json:"All,omitempty"`
	IncludedCookies []string `json:"IncludedCookies,omitempty"`
	ExcludedCookies []string `json:"ExcludedCookies,omitempty"`
}
