"""A connected app on the running sandbox org, for a client that connects the way Salesforce admins connect
tools: the JWT bearer flow (consumer key, username, private key file) or the client credentials flow
(consumer key and secret, My Domain URL).

``register(state_dir)`` makes an RSA key and a self-signed certificate (what ``openssl req -x509`` makes for a
real connected app), registers the app with the org's admin API (certificate uploaded, the Integration User
pre-authorized and set as the client credentials run-as user), keeps the private key in
``<state_dir>/salesforce/oauth/<name>.key`` (0600) and returns what a client needs. Secrets are never
printed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sandbox.control import SandboxError, read_endpoints

INTEGRATION_USERNAME = "integration.0@dp2sf.sandbox"  # the org's first User (sandbox/salesforce/seed.py)


def key_and_certificate(common_name: str, days: int = 365) -> tuple[bytes, str]:
    """An RSA private key (PEM, PKCS#8) and a self-signed X.509 certificate (PEM) for it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return private, cert.public_bytes(serialization.Encoding.PEM).decode()


def register(state_dir: Path, name: str = "dp2sf", username: str = INTEGRATION_USERNAME) -> dict:
    """Register (or renew) connected app ``name`` on the sandbox org of ``state_dir``; returns ``{name,
    consumer_key, consumer_secret, username, private_key_file, login_url, instance_url, token_url}``."""
    entry = read_endpoints(Path(state_dir)).get("salesforce")
    if not entry:
        raise SandboxError(f"no sandbox org in {state_dir}; start it with `dp2sf sandbox up`")
    private, certificate = key_and_certificate(f"{name}-jwt")
    session = requests.Session()
    session.trust_env = False
    resp = session.post(
        entry["admin_url"] + "/connected-apps",
        json={"name": name, "certificate": certificate, "run_as": username},
        headers={"X-Admin-Token": entry["admin_token"]},
        verify=entry["ca_cert"],
        timeout=30,
    )
    if resp.status_code != 200:
        raise SandboxError(f"the org refused connected app {name!r}: {resp.text[:300]}")
    app = resp.json()
    key_dir = Path(state_dir) / "salesforce" / "oauth"
    key_dir.mkdir(parents=True, exist_ok=True)
    key_file = key_dir / f"{name}.key"
    key_file.touch(mode=0o600)
    key_file.chmod(0o600)  # before the key is written
    key_file.write_bytes(private)
    return {
        "name": name,
        "consumer_key": app["consumer_key"],
        "consumer_secret": app["consumer_secret"],
        "username": username,
        "private_key_file": str(key_file),
        "login_url": entry.get("login_url"),
        "instance_url": entry["instance_url"],
        "token_url": entry["instance_url"] + "/services/oauth2/token",
    }
