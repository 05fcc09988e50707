package exportwaf

// The AWS WAFv2 JSON the export writes, as generic values: statements are
// small enough that maps read more plainly than a typed model, and the
// CloudFormation conversion walks them the same way.

type obj = map[string]any

// OperationHeader is the header AWS WAF exposes on a user pool's web ACL
// with the name of the Cognito operation called.
const OperationHeader = "x-amzn-cognito-operation-name"

func none() []any { return []any{obj{"Priority": 0, "Type": "NONE"}} }

func headerExactly(name, value string) obj {
	return obj{"ByteMatchStatement": obj{
		"SearchString":         value,
		"FieldToMatch":         obj{"SingleHeader": obj{"Name": name}},
		"TextTransformations":  none(),
		"PositionalConstraint": "EXACTLY",
	}}
}

func ipSetRef(arn string) obj { return obj{"IPSetReferenceStatement": obj{"ARN": arn}} }

// anyOf is the OR of ss, or ss[0] alone (OrStatement needs two).
func anyOf(ss ...obj) obj {
	if len(ss) == 1 {
		return ss[0]
	}
	list := make([]any, len(ss))
	for i, s := range ss {
		list[i] = s
	}
	return obj{"OrStatement": obj{"Statements": list}}
}

func allOf(a, b obj) obj { return obj{"AndStatement": obj{"Statements": []any{a, b}}} }

func not(s obj) obj { return obj{"NotStatement": obj{"Statement": s}} }

// operations matches requests for any of ops, by the operation header AWS
// WAF adds for user pools and, as the Haufe-Lexware article does, by X-Amz-Target.
func operations(ops []string) obj {
	var ss []obj
	for _, op := range ops {
		ss = append(ss, headerExactly(OperationHeader, op))
	}
	for _, op := range ops {
		ss = append(ss, headerExactly("x-amz-target", targetPrefix+op))
	}
	return anyOf(ss...)
}

const targetPrefix = "AWSCognitoIdentityProviderService."

func rule(name string, priority int, stmt obj, action string) obj {
	return obj{
		"Name":      name,
		"Priority":  priority,
		"Statement": stmt,
		"Action":    obj{action: obj{}},
		"VisibilityConfig": obj{
			"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name,
		},
	}
}
