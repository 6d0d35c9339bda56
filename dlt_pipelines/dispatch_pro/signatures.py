"""Which files the extract stores, and as what: job attachments, and signature images found by file name.

forms-v2 documents a signature unit's attachment as a ``FormAttachment``: ``fileName``, ``createdFrom``,
``originalFileName``, ``thumbnail`` and no id. The bytes are downloaded by ``jobs/attachment/{id}`` with "the
id of the job attachment ... as returned by other job API endpoints". So a signature image is found among its
job's attachments (``jobs/{jobId}/attachments``, raw ``job_attachments``) by that ``fileName``, and stored
once, as a signature (``files`` kind ``signature``, source id = the job attachment id), never a second time
as a plain attachment. Without a match it comes from the customer's forms export
(``<exports folder>/signatures/<fileName>``); without that it is a ``file_errors`` row saying why. A tenant
that returns an integer ``id`` on the form attachment (more than the spec) is taken at its word.

The facts of each signature (signer, refused, refusal reason, captured) land raw in ``form_submissions`` and
``form_submissions__units`` either way; the ``files`` row of a signature names its submission and unit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import FileRef, FileStore
from .settings import ATTACHMENT_DOWNLOAD_PATH

SIGNATURES_FOLDER = "signatures"  # in the customer's export folder: signature images named by fileName


@dataclass(frozen=True)
class SignatureClaim:
    """One image a signature unit refers to: where it belongs and the only name forms-v2 gives it."""

    submission_id: Any
    unit_id: Any
    position: int
    job_id: int | None
    file_name: str | None
    original_file_name: str | None
    given_id: Any = None  # an ``id`` on the form attachment (not in the spec)

    @property
    def label(self) -> str:
        return f"submission {self.submission_id} unit {self.unit_id} #{self.position}"


def _walk_units(units: list[Any] | None) -> Iterator[dict[str, Any]]:
    for unit in units or []:
        if isinstance(unit, dict):
            yield unit
            yield from _walk_units(unit.get("units"))


def signature_claims(submission: dict[str, Any]) -> Iterator[SignatureClaim]:
    """The signature images a form submission's signature units refer to (refused units have none)."""
    owners = submission.get("owners") or []
    job_id = next((o.get("id") for o in owners if isinstance(o, dict) and o.get("type") == "Job"), None)
    for unit in _walk_units(submission.get("units")):
        if str(unit.get("type", "")).lower() != "signature":
            continue
        for position, attachment in enumerate(unit.get("attachments") or []):
            if not isinstance(attachment, dict):
                attachment = {"fileName": str(attachment)}
            yield SignatureClaim(
                submission_id=submission.get("id"),
                unit_id=unit.get("id"),
                position=position,
                job_id=job_id,
                file_name=attachment.get("fileName"),
                original_file_name=attachment.get("originalFileName"),
                given_id=attachment.get("id"),
            )


def _integer_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return int(value)
    return None


@dataclass
class FilePlanner:
    """Collects the signature claims of the submissions an extract reads, then plans every file to store."""

    tenant: str = ""
    exports_folder: str | None = None
    store: FileStore | None = None  # set by the source (its client, the files folder, what is stored)
    claims: list[SignatureClaim] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def see_submission(self, item: Any) -> Any:
        """A step on the form-submission pages: remember their signature claims, pass the item on as is."""
        submissions = item if isinstance(item, list) else [item]
        found = [c for s in submissions if isinstance(s, dict) for c in signature_claims(s)]
        with self._lock:
            self.claims.extend(found)
        return item

    def refs(self, listing: Iterable[dict[str, Any]], known: dict[str, str]) -> list[FileRef]:
        """Every file to store: signatures first (matched in ``listing``), then the other job attachments.

        ``listing``: job attachment rows (``id``, ``job_id``, ``file_name``, ``size``), as raw
        ``job_attachments`` holds them after the tables are loaded. ``known``: ``"kind:source_id" -> sha``
        of files stored earlier (an attachment stored as a signature then is not stored again as an
        attachment now).
        """
        by_job: dict[Any, list[dict[str, Any]]] = {}
        for row in listing:
            by_job.setdefault(row.get("job_id"), []).append(row)
        taken: set[int] = {int(key.split(":", 1)[1]) for key in known if key.startswith("signature:")
                           and key.split(":", 1)[1].isdigit()}  # fmt: skip
        out = [self._signature_ref(claim, by_job, taken) for claim in self.claims]
        for rows in by_job.values():
            for row in rows:
                attachment_id = _integer_id(row.get("id"))
                if attachment_id is None or attachment_id in taken:
                    continue
                out.append(self._download_ref("attachment", attachment_id, row.get("job_id"), row))
        return out

    def _download_ref(
        self, kind: str, attachment_id: int, job_id: Any, row: dict[str, Any] | None, **kw: Any
    ) -> FileRef:
        size = row.get("size") if row else None
        return FileRef(
            kind=kind,
            source_id=str(attachment_id),
            job_id=job_id,
            file_name=kw.pop("file_name", None) or (row or {}).get("file_name"),
            download_path=ATTACHMENT_DOWNLOAD_PATH.format(tenant=self.tenant, id=attachment_id),
            expected_size=int(size) if isinstance(size, int | float) else None,
            **kw,
        )

    def _signature_ref(
        self, claim: SignatureClaim, by_job: dict[Any, list[dict[str, Any]]], taken: set[int]
    ) -> FileRef:
        extra = (("submission_id", claim.submission_id), ("unit_id", claim.unit_id))
        name = claim.file_name or claim.original_file_name
        given = _integer_id(claim.given_id)
        if given is not None:
            taken.add(given)
            match = next((r for r in by_job.get(claim.job_id, []) if _integer_id(r.get("id")) == given), None)
            return self._download_ref("signature", given, claim.job_id, match, file_name=name, extra=extra)
        for row in by_job.get(claim.job_id, []):
            attachment_id = _integer_id(row.get("id"))
            if attachment_id is not None and attachment_id not in taken and row.get("file_name") == name:
                taken.add(attachment_id)
                return self._download_ref("signature", attachment_id, claim.job_id, row, extra=extra)
        base = dict(kind="signature", source_id=claim.label, job_id=claim.job_id, file_name=name, extra=extra)
        exported = self._exported(name)
        if exported is not None:
            return FileRef(download_path=None, local_source=str(exported), **base)
        if claim.given_id is not None:
            problem = f"signature {claim.label}: attachment id {claim.given_id!r} is not an integer id"
        else:
            where = (
                f"and the forms export {self.exports_folder} has no {SIGNATURES_FOLDER}/{name}"
                if self.exports_folder
                else "and no export folder with the customer's forms was given"
            )
            problem = (
                f"signature {claim.label}: no attachment of job {claim.job_id} is named {name!r} {where}; "
                "the source never guesses an attachment id from a file name"
            )
        return FileRef(download_path=None, problem=problem, **base)

    def _exported(self, name: str | None) -> Path | None:
        """The signature image ``name`` in the customer's forms export, if it is there."""
        if not self.exports_folder or not name or Path(name).name != name:
            return None
        path = Path(self.exports_folder) / SIGNATURES_FOLDER / name
        return path if path.is_file() else None
