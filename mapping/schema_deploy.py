"""``dp2sf schema deploy``: deploy the manifest's metadata to the LOCAL sandbox org only.

A real org is deployed by its admin (``sf project deploy start`` in ``build/``); the sandbox org accepts the
same sfdx files on ``POST <admin_url>/metadata/deploy`` with the ``X-Admin-Token`` header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from core.errors import Dp2sfError
from core.fields import load_field_list
from core.settings import Settings
from mapping.manifest import render_metadata
from sandbox.control import SandboxError, read_endpoints


class SchemaDeployError(Dp2sfError):
    """The sandbox deploy could not run or was rejected (the message lists the problems)."""


@dataclass
class DeployOutcome:
    success: bool
    components: int
    problems: list[dict] = field(default_factory=list)


def deploy_to_sandbox(settings: Settings, invoices: str = "custom") -> DeployOutcome:
    """POST the rendered metadata to the sandbox org's admin API; raises on rejection."""
    path = settings.endpoints_file
    try:
        org = read_endpoints(path)["salesforce"]
        admin_url, token, ca_cert = org["admin_url"], org["admin_token"], org["ca_cert"]
    except (OSError, SandboxError, KeyError, TypeError):
        raise SchemaDeployError(f"no sandbox org in {path}: start it with `dp2sf sandbox up`") from None
    files = render_metadata(load_field_list(), invoices)
    session = requests.Session()
    session.trust_env = False
    try:
        response = session.post(
            f"{admin_url}/metadata/deploy",
            json={"files": files},
            headers={"X-Admin-Token": token},
            verify=ca_cert,
            timeout=120,
        )
    except requests.RequestException as exc:
        raise SchemaDeployError(f"sandbox org at {admin_url} did not answer the deploy: {exc}") from None
    if response.status_code != 200:
        raise SchemaDeployError(
            f"sandbox deploy refused (HTTP {response.status_code}): {response.text[:500]}"
        )
    body = response.json()
    problems = body.get("problems") or []
    outcome = DeployOutcome(bool(body.get("success")), len(body.get("components") or []), problems)
    if not outcome.success:
        listed = "; ".join(
            f"{p.get('fileName') or p.get('fullName')}: {p.get('problem')}" for p in outcome.problems[:20]
        )
        raise SchemaDeployError(f"sandbox deploy failed with {len(outcome.problems)} problems: {listed}")
    return outcome
