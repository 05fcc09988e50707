"""Validates AWS WAFv2 API calls with botocore's own parameter validator.

botocore's validator checks required and unknown members, types and
minimums; the model's patterns and maximums, which AWS enforces on the
server, are checked here too (check_limits).

Reads from stdin a JSON list of {"operation": NAME, "params": {...}} and
checks each against the wafv2 service model botocore ships (the model the
AWS CLI and boto3 send requests with). Prints every problem and exits 1 if
there is one; exits 0 when every call is valid. Used by the Go tests of
internal/ops/exportwaf.
"""
import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator


def check_limits(value, shape, path, problems):
    """Appends to problems each value outside its shape's pattern or max."""
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                check_limits(value[name], member, path + "." + name, problems)
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append("%s: %d items, more than %d" % (path, len(value), meta["max"]))
        for i, item in enumerate(value):
            check_limits(item, shape.member, "%s[%d]" % (path, i), problems)
    elif shape.type_name == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            problems.append("%s: %d characters, more than %d" % (path, len(value), meta["max"]))
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
            problems.append("%s: %r does not match %s" % (path, value, meta["pattern"]))
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        if "max" in meta and value > meta["max"]:
            problems.append("%s: %d is more than %d" % (path, value, meta["max"]))


def main():
    calls = json.load(sys.stdin)
    model = botocore.session.get_session().get_service_model("wafv2")
    validator = ParamValidator()
    failed = 0
    for i, call in enumerate(calls):
        op = model.operation_model(call["operation"])
        report = validator.validate(call["params"], op.input_shape)
        problems = []
        check_limits(call["params"], op.input_shape, "", problems)
        if report.has_errors() or problems:
            failed += 1
            text = report.generate_report() if report.has_errors() else ""
            print("call %d (%s %s):\n%s" % (i, call["operation"], call.get("label", ""), "\n".join([text] + problems).strip()))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
