"""Signatures as forms-v2 serves them: facts on the submission, the image a job attachment (by fileName)."""

from __future__ import annotations

from sandbox.dispatch_pro import records_forms as forms
from sandbox.dispatch_pro.dataset import Dataset
from sandbox.dispatch_pro.generator import counts


def _signature_units(subs: list[dict]) -> list[tuple[dict, dict]]:
    return [(s, u) for s in subs for u in s["units"] if u["type"] == "Signature"]


def test_every_case_of_a_signature_occurs_at_tiny(dp) -> None:
    """Refused (reason, no image), attached (the job lists it), exported only, and reachable nowhere."""
    subs = dp.list_all("forms", "submissions", page_size=500)
    units = _signature_units(subs)
    refused = [u for _, u in units if u["isRefused"]]
    assert refused and all(u["refusalReason"] and not u["attachments"] for u in refused)
    ds = Dataset(42, "tiny")
    exported = {forms.signature_file_name(ds, s) for s in range(len(subs)) if forms.signature_exported(s)}
    listed, missing = 0, []
    for sub, unit in units:
        if unit["isRefused"]:
            continue
        name = unit["attachments"][0]["fileName"]
        listing = dp.list_all("forms", f"jobs/{sub['owners'][0]['id']}/attachments")
        job_files = {a["fileName"] for a in listing}
        if name in job_files:
            listed += 1
        else:
            missing.append(name)
    c = counts(42, "tiny")
    assert listed + len(missing) + len(refused) == len(units) == c["signatures"]
    assert exported and exported < set(missing)  # some only in the forms export, some nowhere
    assert len(set(missing) - exported) == c["file_errors"] > 0


def test_a_signature_that_is_not_attached_cannot_be_downloaded(dp) -> None:
    ds = Dataset(42, "tiny")
    s = next(s for s in range(len(ds.sk.signature_jobs)) if not forms.signature_attached(s))
    assert dp.get("forms", f"jobs/attachment/{forms.rid(forms.SIGNATURES, s)}").status_code == 404


def test_hostile_file_names_go_out_in_a_safe_content_disposition() -> None:
    from sandbox.dispatch_pro.app import content_disposition

    header = content_disposition('=x"; evil="1\\\r\nSet-Cookie: a\x00.png')
    assert "\r" not in header and "\n" not in header and "\x00" not in header
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in fallback and "\\" not in fallback
    assert "filename*=UTF-8''%3Dx%22%3B%20evil%3D%221%5C%0D%0ASet-Cookie" in header
