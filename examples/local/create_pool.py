"""Creates a user pool and an app client with a secret in moto_server.

Usage: create_pool.py MOTO_URL  (prints: POOL_ID CLIENT_ID CLIENT_SECRET)
"""
import sys

import boto3

idp = boto3.client(
    "cognito-idp", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
)
pool = idp.create_user_pool(PoolName="sandbox")["UserPool"]["Id"]
client = idp.create_user_pool_client(
    UserPoolId=pool, ClientName="web", GenerateSecret=True,
    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]
print(pool, client["ClientId"], client["ClientSecret"])
