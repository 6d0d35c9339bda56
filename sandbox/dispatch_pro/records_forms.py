"""Forms module: signature submissions, job attachments (metadata) and the bytes of every file.

File bytes are never stored: they are derived from the attachment id in fixed-size chunks, so a 26 MB file
streams with constant memory and the same bytes every time. Signatures are small valid PNG images.

Signatures as forms-v2 describes them: the submission's signature unit gives signer (``value``), refusal
(``isRefused``, ``refusalReason``) and a ``FormAttachment`` with only a ``fileName``; the image itself is a
job attachment, listed by ``jobs/{jobId}/attachments`` under that ``fileName`` with its own id (downloaded by
``jobs/attachment/{id}``, "the id of the job attachment ... as returned by other job API endpoints"). On
purpose, some signatures were refused (no image), and some images never reached the job's attachments: half
of those are in the customer's forms export (``exports.py``), the other half nowhere.
"""

from __future__ import annotations

import random
import struct
import zlib
from bisect import bisect_left
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from . import hostile
from .records import (
    ATTACHMENTS,
    FORM_ID,
    FORM_NAME,
    JOBS,
    MINUTE,
    SIGNATURES,
    SUBMISSIONS,
    customer_core,
    job_core,
    job_of_child,
    rid,
)
from .rng import Rng, derive
from .timefmt import fmt

if TYPE_CHECKING:
    from .dataset import Dataset

CHUNK = 256 * 1024
MB = 1024 * 1024
KINDS = (  # (extension, content type, magic bytes, weight)
    ("jpg", "image/jpeg", b"\xff\xd8\xff\xe0", 55),
    ("png", "image/png", b"\x89PNG\r\n\x1a\n", 15),
    ("pdf", "application/pdf", b"%PDF-1.7\n", 20),
    ("txt", "text/plain", b"", 5),
    ("heic", "image/heic", b"\x00\x00\x00\x18ftypheic", 5),
)


class FileInfo(NamedTuple):
    """What a download needs: name, type, size and how to produce the bytes."""

    id: int
    file_name: str
    content_type: str
    size: int
    kind: str  # attachment | signature


def big_positions(total: int, big: int) -> set[int]:
    """Indexes of the few attachments over 25 MB, spread evenly over the set."""
    if not total or not big:
        return set()
    return {(i * total) // big + total // (2 * big) for i in range(big)}


def _attachment_size(ds: Dataset, a: int, r: Rng) -> int:
    total = ds.sk.att_off[-1]
    if ds.scale_name == "tiny":  # small files, plus exactly one over 25 MB and one of zero bytes
        if a == total // 2:
            return 26 * MB + 12_345
        if a == total // 3:
            return 0
        return r.between(200, 64 * 1024)
    if a in big_positions(total, ds.sk.scale.big_files):
        return 25 * MB + r.between(MB // 2, 3 * MB)
    roll = r.below(1000)
    if roll < 10:
        return 0
    if roll < 20:
        return r.between(64 * 1024, 2 * MB)
    return int(100 * (1.00006 ** r.below(100_000)))  # log-uniform, 100 B .. 40 KB


def attachment(ds: Dataset, a: int) -> dict[str, Any]:
    """Metadata of job attachment ``a`` as listed by ``forms/.../jobs/{jobId}/attachments``."""
    j, k = job_of_child(ds, ds.sk.att_off, ATTACHMENTS, a)
    core = job_core(ds, j)
    r = Rng.for_record(ds.seed, ATTACHMENTS, a)
    ext, ctype, _magic, _w = r.choice([kind for kind in KINDS for _ in range(kind[3])])
    size = _attachment_size(ds, a, r)
    label = r.choice(("photo", "before", "after", "nameplate", "permit", "estimate", "Scan ü"))
    name = f"{label}-{k + 1}.{ext}"
    return {
        "id": rid(ATTACHMENTS, a),
        "jobId": rid(JOBS, j),
        "fileName": hostile.file_name(a, name) if ds.corpus == hostile.HOSTILE else name,
        "contentType": ctype,
        "size": size,
        "createdOn": fmt(core["created"] + (k + 2) * 60 * MINUTE),
        "createdById": core["tech"]["id"],
    }


def created_attachments_of(ds: Dataset, j: int) -> list[int]:
    """Indexes of attachments the admin API created on job ``j``."""
    n_created = ds.overlay.n_created(ATTACHMENTS) if ds.overlay else 0
    base = ds.sk.att_off[-1]
    return [
        a for a in range(base, base + n_created) if job_of_child(ds, ds.sk.att_off, ATTACHMENTS, a)[0] == j
    ]


REFUSAL_REASONS = ("Customer not present", "Customer declined to sign", "Signed the paper copy instead")
SIGNATURE_CYCLE = 23  # of every 23 signatures: one refused, one whose image is not a job attachment


def signature_refused(s: int) -> bool:
    """Signature ``s`` was refused: no image, a reason instead."""
    return s % SIGNATURE_CYCLE == 5


def signature_attached(s: int) -> bool:
    """The image of signature ``s`` is one of its job's attachments (listed and downloadable by id)."""
    return not signature_refused(s) and s % SIGNATURE_CYCLE != 11


def signature_exported(s: int) -> bool:
    """The image of signature ``s`` is missing from the job's attachments but in the customer's export."""
    return s % (2 * SIGNATURE_CYCLE) == 11


def signature_file_name(ds: Dataset, s: int) -> str:
    """The ``fileName`` of signature ``s`` (the form attachment's and the job attachment's; no id in it)."""
    return f"Signature_{derive(ds.seed, SIGNATURES, s, 7) & 0xFFFF_FFFF_FFFF:012x}.png"


def signature_index_of_job(ds: Dataset, j: int) -> int | None:
    """The signature (form submission) index of job ``j``, or None when the job has none."""
    jobs = ds.sk.signature_jobs
    s = bisect_left(jobs, j)
    return s if s < len(jobs) and jobs[s] == j else None


def signature_captured(ds: Dataset, s: int) -> int:
    core = job_core(ds, ds.sk.signature_jobs[s])
    return (core["completed_on"] or core["created"]) - 5 * MINUTE


def signature_attachment(ds: Dataset, s: int) -> dict[str, Any]:
    """The job attachment that holds the image of signature ``s`` (listed with the job's attachments)."""
    core = job_core(ds, ds.sk.signature_jobs[s])
    file_id = rid(SIGNATURES, s)
    return {
        "id": file_id,
        "jobId": rid(JOBS, ds.sk.signature_jobs[s]),
        "fileName": signature_file_name(ds, s),
        "contentType": "image/png",
        "size": len(signature_png(ds.seed, file_id)),
        "createdOn": fmt(signature_captured(ds, s)),
        "createdById": core["tech"]["id"],
    }


def attached_signatures(ds: Dataset) -> int:
    """Signatures whose image is a job attachment."""
    return sum(1 for s in range(len(ds.sk.signature_jobs)) if signature_attached(s))


def signer(ds: Dataset, j: int) -> str:
    core = job_core(ds, j)
    cust = customer_core(ds, core["customer"])
    return cust["name"].strip() if not cust["commercial"] else f"{cust['first']} {cust['last']}"


def _signature_unit(ds: Dataset, s: int, j: int, captured: int) -> dict[str, Any]:
    """The signature unit of submission ``s`` (forms-v2 ``SignatureFieldApiDto``)."""
    unit: dict[str, Any] = {
        "id": "customer-signature",
        "name": "Customer Signature",
        "type": "Signature",
        "comment": f"Signed by {signer(ds, j)} at {fmt(captured)}",
        "attachments": [
            {
                # forms-v2 FormAttachment: fileName, createdFrom, originalFileName, thumbnail and no id; the
                # image is the job attachment with this fileName (see the module docstring)
                "fileName": signature_file_name(ds, s),
                "createdFrom": "Signature",
                "originalFileName": "signature.png",
                "thumbnail": "",
            }
        ],
        "value": signer(ds, j),
        "isRefused": False,
        "refusalReason": "",
    }
    if signature_refused(s):
        reason = REFUSAL_REASONS[(s // SIGNATURE_CYCLE) % len(REFUSAL_REASONS)]
        unit.update(comment=f"Refused: {reason}", attachments=[], value="")
        unit.update(isRefused=True, refusalReason=reason)
    return unit


def submission(ds: Dataset, s: int) -> dict[str, Any]:
    """Form submission ``s``: the completion form of a completed job, with the customer's signature."""
    j = ds.sk.signature_jobs[s]
    core = job_core(ds, j)
    captured = signature_captured(ds, s)
    r = Rng.for_record(ds.seed, SUBMISSIONS, s)
    return {
        "id": rid(SUBMISSIONS, s),
        "formId": FORM_ID,
        "formName": FORM_NAME,
        "submittedOn": fmt(captured),
        "createdById": core["tech"]["id"],
        "status": "Completed",
        "owners": [{"type": "Job", "id": rid(JOBS, j)}],
        "units": [
            {
                "id": "work-performed",
                "name": "Work Performed",
                "type": "Text",
                "comment": "",
                "attachments": [],
                "value": r.choice(
                    ("Replaced part", "Cleaned & tested", "Diagnosed; quote given", "Ünit repaired")
                ),
            },
            _signature_unit(ds, s, j, captured),
        ],
    }


def file_info(ds: Dataset, file_id: int) -> FileInfo | None:
    """The downloadable file with this id (attachment or signature), or None."""
    code, index = divmod(file_id - 1, 10_000_000)
    created = ds.overlay.n_created(ATTACHMENTS) if ds.overlay else 0
    if code == ATTACHMENTS and 0 <= index < ds.sk.att_off[-1] + created:
        meta = attachment(ds, index)
        return FileInfo(file_id, meta["fileName"], meta["contentType"], meta["size"], "attachment")
    if code == SIGNATURES and 0 <= index < len(ds.sk.signature_jobs) and signature_attached(index):
        png = signature_png(ds.seed, file_id)
        return FileInfo(file_id, signature_file_name(ds, index), "image/png", len(png), "signature")
    return None


def signature_png(seed: int, file_id: int) -> bytes:
    """A small, valid grayscale PNG of a squiggle, deterministic from the id."""
    width, height = 240, 80
    r = random.Random(derive(seed, SIGNATURES, file_id))
    rows = [bytearray(b"\xff" * width) for _ in range(height)]
    y = height // 2
    for x in range(10, width - 10):
        y = max(5, min(height - 6, y + r.choice((-2, -1, 0, 1, 2))))
        for dy in (0, 1):
            rows[y + dy][x] = 0
    raw = b"".join(b"\x00" + bytes(row) for row in rows)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def file_chunks(ds: Dataset, info: FileInfo) -> Iterator[bytes]:
    """The file's bytes in chunks of at most 256 KiB (never the whole file in memory)."""
    if info.kind == "signature":
        yield signature_png(ds.seed, info.id)
        return
    magic = next((k[2] for k in KINDS if k[1] == info.content_type), b"")[: info.size]
    sent = 0
    k = 0
    while sent < info.size:
        n = min(CHUNK, info.size - sent)
        block = random.Random(derive(ds.seed, ATTACHMENTS, info.id, k)).randbytes(n)
        if k == 0 and magic:
            block = magic + block[len(magic) :]
        yield block
        sent += n
        k += 1
