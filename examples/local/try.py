"""What the sandbox shows: an app without the client secret signs up and
signs in through poolguard, poolguard adds the secret, and an attack is
blocked.

Usage: try.py POOLGUARD_URL CLIENT_ID [MOTO_URL]
"""
import sys
import uuid

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


def cognito(url):
    # Apps call Cognito's public operations unsigned, as Amplify does.
    return boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def error(e):
    return e.response["Error"]["Code"]


def main():
    url, client_id = sys.argv[1], sys.argv[2]
    moto = sys.argv[3] if len(sys.argv) > 3 else None
    app = cognito(url)
    user, password = "alice-" + uuid.uuid4().hex[:8], "Passw0rd!Passw0rd"

    app.sign_up(ClientId=client_id, Username=user, Password=password)
    app.confirm_sign_up(ClientId=client_id, Username=user, ConfirmationCode="123456")
    print(f"sign-up: {user} signed up and confirmed through poolguard (no SECRET_HASH sent by the app)")
    auth = app.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": user, "PASSWORD": password})["AuthenticationResult"]
    print("sign-in: tokens received (IdToken %d bytes)" % len(auth["IdToken"]))

    # moto checks SECRET_HASH on refresh-token sign-ins: the call without it
    # fails on moto itself and works through poolguard, which adds it.
    refresh = {"REFRESH_TOKEN": auth["RefreshToken"]}
    if moto:
        try:
            cognito(moto).initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
            print("direct to moto without the secret: accepted (unexpected)")
        except ClientError as e:
            print(f"refresh straight to the pool, no secret: refused ({error(e)})")
    app.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
    print("refresh through poolguard: accepted (poolguard added SECRET_HASH)")

    # A password-guessing run from one address: the web ACL's rate limit
    # (20 per 5 minutes here) turns it away before Cognito sees it.
    for i in range(1, 41):
        try:
            app.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": user, "PASSWORD": "guess-%d" % i})
        except ClientError as e:
            if error(e) == "ForbiddenException":
                print(f"attack: password guess {i} blocked by poolguard (ForbiddenException)")
                return 0
    print("attack: 40 guesses and none blocked")
    return 1


if __name__ == "__main__":
    sys.exit(main())
