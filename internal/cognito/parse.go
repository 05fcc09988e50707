package cognito

import (
	"github.com/poolguard/poolguard/internal/request"
	"github.com/tidwall/gjson"
)

// Parse fills v's Cognito fields (Operation, ClientID, Username, AuthFlow,
// BodyValidJSON) from v.Target and v.Body. It returns the error to answer
// when the request is not a well-formed user pools API call: a missing or
// foreign X-Amz-Target, an unknown operation, a body that is not a JSON
// object, or a body with duplicate keys where Cognito and the proxy could
// read different values.
func Parse(v *request.View) *Error {
	if v.Target == "" {
		return UnknownOperation("Missing X-Amz-Target header.")
	}
	v.Operation = OperationFromTarget(v.Target)
	if _, ok := operations[v.Operation]; !ok {
		v.Operation = ""
		return UnknownOperation("Unknown operation in X-Amz-Target.")
	}
	if !gjson.ValidBytes(v.Body) {
		return Serialization("Request body is not valid JSON.")
	}
	root := gjson.ParseBytes(v.Body) // one copy; every field read below is a substring of it
	if !root.IsObject() {
		return Serialization("Request body must be a JSON object.")
	}
	v.BodyValidJSON, v.Parsed = true, root
	if err := checkDuplicates(root); err != nil {
		return err
	}
	v.ClientID = root.Get("ClientId").Str
	v.Username = firstString(root.Get("Username"), root.Get("AuthParameters.USERNAME"), root.Get("ChallengeResponses.USERNAME"))
	v.AuthFlow = root.Get("AuthFlow").Str
	return nil
}

// checkDuplicates refuses duplicate keys at the top level and in the maps
// the proxy reads or writes.
func checkDuplicates(root gjson.Result) *Error {
	if k := duplicateKey(root); k != "" {
		return Serialization("Duplicate key " + k + " in request body.")
	}
	for _, name := range [...]string{"AuthParameters", "ChallengeResponses", "UserContextData"} {
		if m := root.Get(name); m.IsObject() {
			if k := duplicateKey(m); k != "" {
				return Serialization("Duplicate key " + name + "." + k + " in request body.")
			}
		}
	}
	return nil
}

func firstString(rs ...gjson.Result) string {
	for _, r := range rs {
		if r.Type == gjson.String {
			return r.Str
		}
	}
	return ""
}
