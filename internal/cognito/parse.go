package cognito

import (
	"github.com/poolguard/poolguard/internal/edge/request"
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
	v.Username = username(root, operations[v.Operation])
	v.AuthFlow = root.Get("AuthFlow").Str
	return nil
}

// username reads the user name from the field the operation itself uses,
// the one the secret hash is computed over, so a decoy in another field
// cannot steer per-user limits away from the user really signing in.
func username(root gjson.Result, op *Operation) string {
	var r gjson.Result
	switch op.Secret {
	case AuthParamsHash:
		r = root.Get("AuthParameters.USERNAME")
	case ChallengeHash:
		r = root.Get("ChallengeResponses.USERNAME")
	default:
		r = root.Get("Username")
	}
	if r.Type != gjson.String {
		return ""
	}
	return r.Str
}

// checkDuplicates refuses a duplicate key in any object of the body, and
// two UserAttributes entries for one attribute: Cognito keeps the last of
// duplicates while a reader may keep the first, and the two must never
// disagree about the client, the user or a phone number.
func checkDuplicates(root gjson.Result) *Error {
	if path := duplicateAnywhere(root, "", 0); path != "" {
		return Serialization("Duplicate key " + path + " in request body.")
	}
	for _, list := range [...]string{"UserAttributes", "AttributesToUpdate"} {
		if name := duplicateAttribute(root.Get(list)); name != "" {
			return InvalidParameter("Attribute " + name + " is given more than once in " + list + ".")
		}
	}
	return nil
}

// maxDepth bounds the walk; Cognito's requests nest three levels deep.
const maxDepth = 16

// duplicateAnywhere returns the path of the first duplicate key in any
// object within r, or "".
func duplicateAnywhere(r gjson.Result, path string, depth int) string {
	if depth > maxDepth {
		return path + "(too deep)"
	}
	if r.IsObject() {
		if k := duplicateKey(r); k != "" {
			return join(path, k)
		}
	}
	found := ""
	r.ForEach(func(k, v gjson.Result) bool {
		if v.IsObject() || v.IsArray() {
			found = duplicateAnywhere(v, join(path, k.String()), depth+1)
		}
		return found == ""
	})
	return found
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// duplicateAttribute returns an attribute Name given twice in list, or "".
func duplicateAttribute(list gjson.Result) string {
	if !list.IsArray() {
		return ""
	}
	seen := map[string]bool{}
	dup := ""
	list.ForEach(func(_, a gjson.Result) bool {
		name := a.Get("Name").Str
		if seen[name] {
			dup = name
			return false
		}
		seen[name] = true
		return true
	})
	return dup
}
