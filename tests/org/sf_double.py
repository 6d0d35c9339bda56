"""A test double of the Salesforce CLI's ``sf`` for ``sf org display --target-org <alias> --json``.

It prints the documented JSON (``{"status": 0, "result": {"id", "apiVersion", "accessToken", "instanceUrl",
"username", "clientId", "connectedStatus", "alias"}}``,
https://developer.salesforce.com/docs/platform/salesforce-cli-reference/guide/cli_reference_org_display.html)
for the one alias it knows, getting a live token from the sandbox org with the JWT bearer flow each time it
runs, as the real CLI refreshes an authorised org's token. Its configuration (a JSON file named by
``SF_DOUBLE_CONFIG``) is what ``sf org login jwt`` would have stored; each run appends a line to ``calls``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import jwt
import requests


def main(argv: list[str]) -> int:
    config = json.loads(Path(os.environ["SF_DOUBLE_CONFIG"]).read_text())
    with open(config["calls"], "a") as fh:
        fh.write(" ".join(argv) + "\n")
    alias = argv[argv.index("--target-org") + 1] if "--target-org" in argv else None
    if argv[:2] != ["org", "display"] or "--json" not in argv:
        print(json.dumps({"status": 1, "name": "UnsupportedByDouble", "message": "only org display --json"}))
        return 1
    if alias != config["alias"]:
        print(
            json.dumps(
                {
                    "status": 1,
                    "name": "NamedOrgNotFoundError",
                    "message": f"No authorization found for {alias}",
                }
            )
        )
        return 1
    claims = {
        "iss": config["consumer_key"],
        "sub": config["username"],
        "aud": config["login_url"],
        "exp": int(time.time()) + 180,
    }
    assertion = jwt.encode(claims, Path(config["private_key_file"]).read_bytes(), algorithm="RS256")
    session = requests.Session()
    session.trust_env = False
    token = session.post(
        config["login_url"] + "/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        verify=config["ca_cert"],
        timeout=30,
    ).json()
    result = {
        "id": "00D000000000001AAA",
        "apiVersion": "62.0",
        "accessToken": token["access_token"],
        "instanceUrl": token["instance_url"],
        "username": config["username"],
        "clientId": "PlatformCLI",
        "connectedStatus": "Connected",
        "alias": alias,
    }
    print(json.dumps({"status": 0, "result": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
