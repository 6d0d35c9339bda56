"""The source against ServiceTitan's published OpenAPI specs: only their paths, and ``active`` as documented.

Reads ``../shared/reference/servicetitan-openapi`` (skips when it is absent). Each spec's server URL is
``https://api.servicetitan.io/<module>[/v2]``, so a source path ``<module>/v2/tenant/{tenant}/x`` is the spec
path ``/tenant/{tenant}/x`` (or ``/v2/tenant/{tenant}/x`` for telecom, whose server ends in ``/telecom``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from dlt_pipelines.dispatch_pro.settings import (
    ATTACHMENT_DOWNLOAD_PATH,
    ENDPOINTS,
    JOB_ATTACHMENTS_PATH,
    JOB_HISTORY_PATH,
    REPORT_PATH,
    REPORTS_PATH,
)

# every path template the source can request under `servicetitan` (placeholders as `{name}`)
SOURCE_PATHS = [
    *(e.path for e in ENDPOINTS),
    JOB_HISTORY_PATH,
    JOB_ATTACHMENTS_PATH.replace("{{resources.jobs_pages.id}}", "{jobId}"),
    ATTACHMENT_DOWNLOAD_PATH,
    REPORTS_PATH,
    REPORT_PATH,
]


@cache
def _specs(reference: Path) -> dict[str, dict]:
    """Module name (crm, jpm, ..., telecom) -> its parsed spec."""
    folder = reference / "servicetitan-openapi"
    out = {}
    for path in folder.glob("*.json"):
        spec = json.loads(path.read_text())
        server = spec["servers"][0]["url"]  # https://api.servicetitan.io/crm/v2 or .../telecom
        out[server.split("api.servicetitan.io/")[1].split("/")[0]] = spec
    return out


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def spec_operation(reference: Path, source_path: str) -> dict | None:
    """The spec's GET operation for a source path template, or None if no spec has it."""
    module, _, rest = source_path.partition("/")
    spec = _specs(reference).get(module)
    if spec is None:
        return None
    server_tail = spec["servers"][0]["url"].split(f"/{module}", 1)[1]  # "/v2" or ""
    relative = "/" + rest.removeprefix(server_tail.lstrip("/") + "/") if server_tail else "/" + rest
    wanted = _shape(relative)
    for path, ops in spec["paths"].items():
        if _shape(path) == wanted and "get" in ops:
            return ops["get"]
    return None


def test_every_path_the_source_can_call_is_in_the_published_specs(shared_reference: Path) -> None:
    missing = [p for p in SOURCE_PATHS if spec_operation(shared_reference, p) is None]
    assert missing == [], f"paths in none of the ServiceTitan specs: {missing}"
    assert not [p for p in SOURCE_PATHS if "dispatch-pro" in p]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.table)
def test_active_is_sent_as_any_wherever_the_spec_has_it(shared_reference: Path, endpoint) -> None:
    """Every endpoint with an ``active`` parameter gets ``Any`` (all records); none sends it elsewhere."""
    op = spec_operation(shared_reference, endpoint.path)
    assert op is not None
    params = {p["name"]: p for p in op.get("parameters", [])}
    sent = dict(endpoint.extra_params)
    if "active" in params:
        spec = _specs(shared_reference)[endpoint.path.split("/")[0]]
        enum = spec["components"]["schemas"]["ActiveRequestArg"]["enum"]
        assert "Any" in enum and sent.get("active") == "Any", (
            endpoint.table,
            params["active"]["description"],
        )
    else:
        assert "active" not in sent, endpoint.table
    assert set(sent) <= set(params), f"{endpoint.table} sends parameters its spec does not have"


def test_the_specs_default_some_endpoints_to_active_only(shared_reference: Path) -> None:
    """Why it matters: the assignments export documents 'only active items will be returned by default'."""
    op = spec_operation(shared_reference, "dispatch/v2/tenant/{tenant}/export/appointment-assignments")
    active = next(p for p in op["parameters"] if p["name"] == "active")
    assert "only active items will be returned by default" in active["description"]
