#!/usr/bin/env python3
"""boto3 flows through poolguard, run by test/integration's Go tests.

Reads one JSON job on stdin and runs it with boto3 against the proxy
(endpoint_url = the proxy, dummy credentials, region us-east-1, a single
attempt per call, so no retries hide an error). The app never knows a client
secret. Prints one JSON object on stdout:

    {"steps": [{"app", "step", "ok", "code", "status", "message",
                "challenge", "tokens"}, ...]}

Every call is recorded as it happened; the Go test decides what each outcome
should have been and checks what reached the upstream.

Jobs:
    {"mode": "flows", "endpoint": URL, "admin_pool_id": ID,
     "apps": [{"name", "client_id", "username", "email", "invited",
               "password", "new_password", "temp_password"}]}
    {"mode": "errors", "endpoint": URL, "unreachable": URL, "slow": URL,
     "client_id": ID, "pool_id": ID, "password": P, "pad": N}
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


def client(endpoint):
    """A cognito-idp client for endpoint, with one attempt per call."""
    return boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="test-secret",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


class Stop(Exception):
    """A step that had to succeed failed; the rest of its flow is skipped."""


class Recorder:
    """Runs calls and records their outcomes."""

    def __init__(self):
        self.steps = []

    def run(self, app, step, call, must_succeed=True):
        rec = {"app": app, "step": step, "ok": False, "code": "", "status": 0,
               "message": "", "challenge": "", "tokens": False}
        self.steps.append(rec)
        try:
            out = call()
        except ClientError as e:
            err = e.response.get("Error", {})
            rec["code"] = err.get("Code", "")
            rec["message"] = err.get("Message", "")
            rec["status"] = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if must_succeed:
                raise Stop() from e
            return None
        except BotoCoreError as e:
            rec["code"] = "botocore." + type(e).__name__
            rec["message"] = str(e)
            if must_succeed:
                raise Stop() from e
            return None
        rec["ok"] = True
        rec["status"] = out["ResponseMetadata"]["HTTPStatusCode"]
        rec["challenge"] = out.get("ChallengeName", "")
        rec["tokens"] = "AccessToken" in out.get("AuthenticationResult", {})
        return out


def password_auth(c, app, user, password):
    return lambda: c.initiate_auth(
        ClientId=app["client_id"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": password})


def refresh(c, app, token):
    return lambda: c.initiate_auth(
        ClientId=app["client_id"], AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": token})


def app_flow(rec, c, app):
    """Sign-up to password reset, then NEW_PASSWORD_REQUIRED, for one app."""
    name, cid, user = app["name"], app["client_id"], app["username"]
    rec.run(name, "SignUp", lambda: c.sign_up(
        ClientId=cid, Username=user, Password=app["password"],
        UserAttributes=[{"Name": "email", "Value": app["email"]}]))
    rec.run(name, "ConfirmSignUp", lambda: c.confirm_sign_up(
        ClientId=cid, Username=user, ConfirmationCode="123456"))
    out = rec.run(name, "SignIn", password_auth(c, app, user, app["password"]))
    rec.run(name, "Refresh", refresh(c, app, out["AuthenticationResult"]["RefreshToken"]))
    rec.run(name, "ForgotPassword", lambda: c.forgot_password(ClientId=cid, Username=user))
    rec.run(name, "ConfirmForgotPassword", lambda: c.confirm_forgot_password(
        ClientId=cid, Username=user, ConfirmationCode="123456", Password=app["new_password"]))
    rec.run(name, "SignInNewPassword", password_auth(c, app, user, app["new_password"]))

    invited = app["invited"]
    out = rec.run(name, "SignInTemporaryPassword", password_auth(c, app, invited, app["temp_password"]))
    out = rec.run(name, "RespondNewPasswordRequired", lambda: c.respond_to_auth_challenge(
        ClientId=cid, ChallengeName=out["ChallengeName"], Session=out["Session"],
        ChallengeResponses={"USERNAME": invited, "NEW_PASSWORD": app["new_password"]}))
    rec.run(name, "RefreshAfterChallenge", refresh(c, app, out["AuthenticationResult"]["RefreshToken"]))
    rec.run(name, "SignInAfterChallenge", password_auth(c, app, invited, app["new_password"]))


def flows(job):
    rec = Recorder()
    c = client(job["endpoint"])
    for app in job["apps"]:
        try:
            app_flow(rec, c, app)
        except Stop:
            pass
    rec.run("admin", "AdminCreateUser", lambda: c.admin_create_user(
        UserPoolId=job["admin_pool_id"], Username="boto3-admin-made"), must_succeed=False)
    return rec.steps


def errors(job):
    rec = Recorder()
    main = client(job["endpoint"])
    cid = job["client_id"]

    def sign_up(c, pad=0):
        args = {"ClientId": cid, "Username": "boto3-error-user", "Password": job["password"]}
        if pad:
            args["ClientMetadata"] = {"pad": "x" * pad}
        return lambda: c.sign_up(**args)

    rec.run("errors", "SignUp", sign_up(main), must_succeed=False)
    rec.run("errors", "AdminCreateUser", lambda: main.admin_create_user(
        UserPoolId=job["pool_id"], Username="x"), must_succeed=False)
    rec.run("errors", "ListUsers", lambda: main.list_users(UserPoolId=job["pool_id"]), must_succeed=False)
    rec.run("errors", "BodyOverLimit", sign_up(main, job["pad"]), must_succeed=False)
    rec.run("errors", "Unreachable", sign_up(client(job["unreachable"])), must_succeed=False)
    rec.run("errors", "Timeout", sign_up(client(job["slow"])), must_succeed=False)
    return rec.steps


def main():
    job = json.load(sys.stdin)
    steps = {"flows": flows, "errors": errors}[job["mode"]](job)
    json.dump({"steps": steps}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
