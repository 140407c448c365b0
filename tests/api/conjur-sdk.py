"""CyberArk's Python SDK for Conjur (conjur_api) against the cluster over HTTPS, verifying with a CA bundle.

Usage: conjur-sdk.py URL ACCOUNT ADMIN_API_KEY CA_FILE VARIABLE VALUE
Prints whoami, then sets VARIABLE (declared by the caller's policy) to VALUE and reads it back.
Needs the SDK on PYTHONPATH (CONJUR_PYTHON_SDK for the test) and its Debian packages (python3-aiohttp ...).
"""
import asyncio
import sys

from conjur_api import Client
from conjur_api.models import ConjurConnectionInfo, CredentialsData, SslVerificationMode
from conjur_api.providers import AuthnAuthenticationStrategy, SimpleCredentialsProvider

url, account, api_key, ca_file, variable, value = sys.argv[1:7]
credentials = SimpleCredentialsProvider()
credentials.save(CredentialsData(username="admin", api_key=api_key, machine=url))
client = Client(ConjurConnectionInfo(conjur_url=url, account=account, cert_file=ca_file),
                authn_strategy=AuthnAuthenticationStrategy(credentials),
                ssl_verification_mode=SslVerificationMode.CA_BUNDLE)


async def main():
    print("whoami:", (await client.whoami())["username"])
    await client.set(variable, value)
    print("read back:", (await client.get(variable)).decode())


asyncio.run(main())
