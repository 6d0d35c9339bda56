"""Binary downloads: sizes and bytes deterministic, a zero-byte file, one > 25 MB file, signature images."""

from __future__ import annotations

import hashlib
import struct

import pytest

from sandbox.dispatch_pro.generator import Dataset
from sandbox.dispatch_pro.records_forms import attachment, file_chunks, file_info

MB = 1024 * 1024


@pytest.fixture(scope="module")
def attachments(dp) -> list[dict]:
    ds = Dataset(42, "tiny")
    return [attachment(ds, a) for a in range(ds.sk.att_off[-1])]


def _download(dp, file_id: int) -> tuple[int, dict, bytes, int]:
    digest, size = hashlib.sha256(), 0
    with dp.session.get(
        dp.url("forms", f"jobs/attachment/{file_id}"), headers=dp.headers(), stream=True, timeout=60
    ) as resp:
        for chunk in resp.iter_content(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        return resp.status_code, dict(resp.headers), digest.digest(), size


def test_tiny_has_one_big_and_one_empty_file(attachments) -> None:
    sizes = [a["size"] for a in attachments]
    assert sum(s > 25 * MB for s in sizes) == 1
    assert sum(s == 0 for s in sizes) == 1
    assert sorted(sizes)[-2] < 100 * 1024


def test_listed_attachments_download_with_their_size_and_type(dp, attachments) -> None:
    listed = dp.get("forms", f"jobs/{attachments[0]['jobId']}/attachments").json()["data"]
    assert attachments[0] in listed
    for meta in [a for a in attachments if a["size"] < MB][:8] + [a for a in attachments if a["size"] == 0]:
        status, headers, digest, size = _download(dp, meta["id"])
        assert status == 200 and size == meta["size"] == int(headers["content-length"])
        assert headers["content-type"].startswith(meta["contentType"])
        ds = Dataset(42, "tiny")
        assert digest == hashlib.sha256(b"".join(file_chunks(ds, file_info(ds, meta["id"])))).digest()


def test_big_file_streams_whole_and_identically(dp, attachments) -> None:
    big = next(a for a in attachments if a["size"] > 25 * MB)
    first = _download(dp, big["id"])
    second = _download(dp, big["id"])
    assert first[0] == 200 and first[3] == big["size"]
    assert first[2] == second[2]


def test_signatures_are_job_attachments_found_by_the_form_file_name(dp) -> None:
    """forms-v2: the form attachment has only a fileName; the image is the job attachment of that name."""
    subs = dp.list_all("forms", "submissions", page_size=200)
    unit = next(u for u in subs[0]["units"] if u["type"] == "Signature")
    assert unit["value"] and "Signed by" in unit["comment"] and unit["isRefused"] is False
    (form_attachment,) = unit["attachments"]
    assert set(form_attachment) == {"fileName", "createdFrom", "originalFileName", "thumbnail"}
    job_id = subs[0]["owners"][0]["id"]
    listing = dp.list_all("forms", f"jobs/{job_id}/attachments")
    (match,) = [a for a in listing if a["fileName"] == form_attachment["fileName"]]
    assert str(match["id"]) not in form_attachment["fileName"]  # nothing to guess the id from
    resp = dp.session.get(dp.url("forms", f"jobs/attachment/{match['id']}"), headers=dp.headers(), timeout=10)
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/png"
    assert len(resp.content) == match["size"] and resp.content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", resp.content[16:24])
    assert (width, height) == (240, 80)


def test_unknown_attachment_is_404(dp) -> None:
    assert dp.get("forms", "jobs/attachment/5").status_code == 404
    assert dp.get("forms", "jobs/attachment/abc").status_code == 400
