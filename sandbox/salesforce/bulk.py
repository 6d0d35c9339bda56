"""Bulk API 2.0: ingest and query jobs, processed asynchronously by a background worker.

Job info, state machine and result CSVs follow Salesforce: Open → UploadComplete → InProgress → JobComplete |
Failed | Aborted. Row failures still end JobComplete; a bad header fails the whole job.
"""

from __future__ import annotations

import csv
import io
import json
import queue
import threading
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sandbox.salesforce.deps import get_engine, get_version, json_object, json_response
from sandbox.salesforce.errors import SFError
from sandbox.salesforce.limits import LimitExceeded
from sandbox.salesforce.metadata.ids import new_id
from sandbox.salesforce.soql import compile_query
from sandbox.salesforce.values import now_iso, to_csv_value
from sandbox.salesforce.writer import PlanError, Result

router = APIRouter()
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
INGEST_OPS = {"insert", "update", "upsert", "delete", "hardDelete"}
QUERY_OPS = {"query", "queryAll"}
TERMINAL = {"JobComplete", "Failed", "Aborted"}
BATCH_ROWS = 10_000
# "A request can provide CSV data that does not in total exceed 150 MB of base64 encoded content"
# https://developer.salesforce.com/docs/platform/api-asynch/guide/upload-job-data.md
MAX_UPLOAD_BASE64 = 150 * 1024 * 1024


def base64_size(n: int) -> int:
    """The size of ``n`` bytes once base64-encoded (as Salesforce counts an upload)."""
    return 4 * ((n + 2) // 3)


def multiple_uploads_message(job_id: str) -> str:
    """Salesforce's answer when a job that received more than one PUT is closed (its wording and typo, as
    quoted in https://salesforce.stackexchange.com/questions/231917/providing-multiple-batches-to-the-bulk-api-2-0)."""
    return (
        f"Found multipe contents for job: <{job_id}>, please 'Close' / 'Abort' / 'Delete' the current Job "
        "then "
        "create a new Job and make sure you only do 'PUT' once on a given Job."
    )


def line_ending_error(text: str, ending: str) -> str | None:
    """The job failure when the CSV's line endings are not the job's ``lineEnding`` (judged on the header
    line, which holds no quoted newlines), else None."""
    end = text.find("\n")
    if end < 0:
        return None
    crlf = end > 0 and text[end - 1] == "\r"
    if crlf == (ending == "CRLF"):
        return None
    return f"ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is {ending}"


RESULT_KINDS = {
    "successfulresults": "success",
    "failedresults": "failed",
    "unprocessedrecords": "unprocessed",
}


class BulkEngine:
    """Jobs (persisted in the store) and the worker thread that runs them."""

    def __init__(self, org: Any) -> None:
        self.org = org
        self.jobs: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.queue: queue.Queue[str] = queue.Queue()
        self.query_offsets: dict[str, list[int]] = {}
        for job in org.store.load_jobs():
            if job["state"] in {"UploadComplete", "InProgress"}:
                job["state"] = "UploadComplete"
                self.queue.put(job["id"])
            self.jobs[job["id"]] = job
        threading.Thread(target=self._run, name="bulk-worker", daemon=True).start()

    # -- jobs -----------------------------------------------------------------------------------
    def dir(self, job_id: str) -> Path:
        path = self.org.jobs_dir / job_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def save(self, job: dict) -> None:
        job["systemModstamp"] = now_iso()
        self.org.store.save_job(job)

    def get(self, job_id: str, kind: str) -> dict:
        job = self.jobs.get(job_id)
        if job is None or (job["jobType"] == "V2Query") != (kind == "query"):
            raise SFError(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    def new_job(self, body: dict, kind: str, version: str) -> dict:
        op = body.get("operation")
        delim = body.get("columnDelimiter") or "COMMA"
        ending = body.get("lineEnding") or "LF"
        if delim not in DELIMITERS:
            raise SFError(400, "INVALIDJOB", f"Invalid column delimiter: {delim}")
        if ending not in LINE_ENDINGS:
            raise SFError(400, "INVALIDJOB", f"Invalid line ending: {ending}")
        if (body.get("contentType") or "CSV") != "CSV":
            raise SFError(400, "INVALIDJOB", f"Invalid content type: {body.get('contentType')}")
        n = self.org.store.next_counter("job")
        now = now_iso()
        job = {
            "id": new_id("750", n),
            "operation": op,
            "object": None,
            "createdById": self.org.user_id,
            "createdDate": now,
            "systemModstamp": now,
            "state": "Open",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(version),
            "lineEnding": ending,
            "columnDelimiter": delim,
            "numberRecordsProcessed": 0,
            "numberRecordsFailed": 0,
            "retries": 0,
            "totalProcessingTime": 0,
            "apiActiveProcessingTime": 0,
            "apexProcessingTime": 0,
        }
        if kind == "query":
            if op not in QUERY_OPS:
                raise SFError(
                    400, "INVALIDJOB", f"Invalid operation: {op}; a query job needs query or queryAll"
                )
            text = body.get("query")
            if not text:
                raise SFError(400, "INVALIDJOB", "A query job needs a 'query'")
            compiled = compile_query(self.org, text, op == "queryAll")
            if compiled.count_only or compiled.aggregate:
                raise SFError(
                    400, "INVALIDJOB", "Aggregate queries are not supported by Bulk API 2.0 query jobs"
                )
            if any(s.field.type in ("address", "location") for s in compiled.selected):
                # compound fields are read through SOAP and REST only (compound.py)
                raise SFError(
                    400, "FUNCTIONALITY_NOT_ENABLED", "Selecting compound data not supported in Bulk Query"
                )
            try:
                self.org.limits.spend("DailyBulkV2QueryJobs")
            except LimitExceeded:
                raise SFError(
                    400, "LIMIT_EXCEEDED", "Max number of Bulk API 2.0 query jobs reached"
                ) from None
            job.update(
                {"object": compiled.obj.name, "query": text, "state": "UploadComplete", "jobType": "V2Query"}
            )
            del job["numberRecordsFailed"]
        else:
            if op not in INGEST_OPS:
                raise SFError(400, "INVALIDJOB", f"Invalid operation: {op}")
            obj = self.org.registry.get(str(body.get("object") or ""))
            if obj is None:
                raise SFError(400, "INVALIDJOB", f"Unable to find object: {body.get('object')}")
            if not obj.createable and op in {"insert", "upsert"}:
                raise SFError(400, "INVALIDJOB", f"Entity '{obj.name}' is not supported for {op}")
            job["object"] = obj.name
            job["jobType"] = "V2Ingest"
            job["contentUrl"] = f"services/data/v{version}/jobs/ingest/{job['id']}/batches"
            if op == "upsert":
                ext = body.get("externalIdFieldName")
                f = obj.field(ext) if ext else None
                if not ext:
                    raise SFError(
                        400,
                        "INVALIDJOB",
                        f"External ID was blank for {obj.name}. An External ID must be specified for upsert.",
                    )
                if f is None or not (f.external_id or f.id_lookup or f.name == "Id"):
                    raise SFError(
                        400,
                        "INVALIDJOB",
                        f"Field name provided, {ext} does not match an External ID, "
                        f"Salesforce Id, or indexed field for {obj.name}",
                    )
                job["externalIdFieldName"] = f.name
        with self.lock:
            self.jobs[job["id"]] = job
        self.save(job)
        created = dict(job)  # as created, before the worker moves it on
        if kind == "query":
            self.queue.put(job["id"])
        return created

    def upload(self, job_id: str, data: bytes) -> None:
        job = self.get(job_id, "ingest")
        if job["state"] != "Open":
            raise SFError(
                409, "INVALIDJOBSTATE", f"Job {job_id} is not in the Open state (state: {job['state']})"
            )
        if base64_size(len(data)) > MAX_UPLOAD_BASE64:
            raise SFError(
                400,
                "INVALIDJOB",
                f"Job data exceeds the limit of 150 MB after base64 encoding ({len(data)} bytes uploaded; "
                "upload at most about 100 MB of CSV per job)",
            )
        # Salesforce accepts a second PUT and refuses the job at close (see set_state): one upload per job
        with self.lock:
            job["_uploads"] = job.get("_uploads", 0) + 1
            self.save(job)
        with open(self.dir(job_id) / "data.csv", "ab") as fh:
            fh.write(data)

    def set_state(self, job_id: str, kind: str, state: str) -> dict:
        job = self.get(job_id, kind)
        current = job["state"]
        if state == "UploadComplete" and kind == "ingest" and current == "Open":
            if job.get("_uploads", 0) > 1:
                raise SFError(400, "BULK_API_ERROR", multiple_uploads_message(job_id))
            job["state"] = "UploadComplete"
            self.save(job)
            self.queue.put(job_id)
        elif state == "Aborted" and current in {"Open", "UploadComplete"}:
            job["state"] = "Aborted"
            self.save(job)
        else:
            verb = "Aborting" if state == "Aborted" else "Closing"
            raise SFError(
                400,
                "INVALIDJOBSTATE",
                f"{verb} already {current} Job not allowed"
                if current in TERMINAL or current == "InProgress"
                else f"Invalid state transition from {current} to {state}",
            )
        return job

    def delete(self, job_id: str, kind: str) -> None:
        job = self.get(job_id, kind)
        if job["state"] not in TERMINAL | {"Open", "UploadComplete"} or job["state"] == "InProgress":
            raise SFError(400, "INVALIDJOBSTATE", "Cannot delete a job that is in progress")
        with self.lock:
            self.jobs.pop(job_id, None)
        self.org.store.execute("DELETE FROM _jobs WHERE id = ?", (job_id,))

    # -- worker ---------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            group = [self.queue.get()]
            locking = bool(self.org.settings.get("row_locks"))
            if locking:  # the jobs closed within the window run "in parallel" (see locks.py)
                time.sleep(float(self.org.settings.get("row_lock_window_seconds", 0.5)))
                while True:
                    try:
                        group.append(self.queue.get_nowait())
                    except queue.Empty:
                        break
            self.org.locks.start_group()
            try:
                for job_id in group:
                    self.org.locks.set_job(job_id if locking else None)
                    self._run_job(job_id)
            finally:
                self.org.locks.set_job(None)
                self.org.locks.end_group()

    def _run_job(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job is None or job["state"] != "UploadComplete":
            return
        started, cpu_started = time.monotonic(), time.thread_time()
        job["state"] = "InProgress"
        self.save(job)
        try:
            slow = self.org.faults.settings.slow_seconds
            if slow:
                time.sleep(slow)
            if job["jobType"] == "V2Query":
                self._run_query(job)
            else:
                self._run_ingest(job)
        except SFError as exc:
            job["state"], job["errorMessage"] = "Failed", exc.message
        except Exception as exc:  # noqa: BLE001 - a job failure must never kill the worker
            job["state"], job["errorMessage"] = (
                "Failed",
                f"InternalServerError : {type(exc).__name__}: {exc}",
            )
        job["totalProcessingTime"] = int((time.monotonic() - started) * 1000)
        job["apiActiveProcessingTime"] = int((time.thread_time() - cpu_started) * 1000)  # CPU time
        self.save(job)

    def _run_ingest(self, job: dict) -> None:
        org, folder = self.org, self.dir(job["id"])
        delim, ending = DELIMITERS[job["columnDelimiter"]], LINE_ENDINGS[job["lineEnding"]]
        data_path = folder / "data.csv"
        # bytes, not read_text: universal newlines would hide the line endings the job must check
        text = data_path.read_bytes().decode("utf-8-sig") if data_path.exists() else ""
        bad_ending = line_ending_error(text, job["lineEnding"])
        if bad_ending:
            job["state"], job["errorMessage"] = "Failed", bad_ending
            return
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        rows = [r for r in rows if r]
        if not rows:
            job["state"], job["errorMessage"] = "Failed", "InvalidBatch : No data found in the upload"
            return
        header, body = rows[0], rows[1:]
        op, writer = job["operation"], org.writer(job["object"])
        try:
            if op in {"delete", "hardDelete"}:
                if [h.lower() for h in header] != ["id"]:
                    raise PlanError(next((h for h in header if h.lower() != "id"), "Id"))
            else:
                writer.plan(header)
        except PlanError as exc:
            job["state"] = "Failed"
            job["errorMessage"] = f"InvalidBatch : Field name not found : {exc.key}"
            return
        fail_after = org.faults.take_job_failure()
        out = {
            kind: open(folder / f"{kind}.csv", "w", encoding="utf-8", newline="")  # noqa: SIM115
            for kind in ("success", "failed", "unprocessed")
        }
        writers = {
            k: csv.writer(fh, delimiter=delim, lineterminator=ending, quoting=csv.QUOTE_ALL)
            for k, fh in out.items()
        }
        writers["success"].writerow(["sf__Id", "sf__Created", *header])
        writers["failed"].writerow(["sf__Id", "sf__Error", *header])
        writers["unprocessed"].writerow(header)
        processed = failed = 0
        try:
            for start in range(0, len(body), BATCH_ROWS):
                if job["state"] == "Aborted":
                    break
                chunk = body[start : start + BATCH_ROWS]
                if fail_after is not None and processed + len(chunk) > fail_after:
                    chunk = chunk[: max(0, fail_after - processed)]
                try:
                    org.limits.spend("DailyBulkApiBatches")
                except LimitExceeded:
                    job["state"] = "Failed"
                    job["errorMessage"] = "Exceeded max limit of concurrent API requests: DailyBulkApiBatches"
                    break
                dicts = [dict(zip(header, _fit(r, len(header)), strict=True)) for r in chunk]
                with org.write_lock:
                    results = self._apply(job, op, writer, dicts)
                org.limits.add("BulkV2RecordsIngested", len(chunk))
                for raw, res in zip(chunk, results, strict=True):
                    processed += 1
                    if res.error:
                        failed += 1
                        writers["failed"].writerow([res.id or "", res.error.as_bulk(), *raw])
                    else:
                        writers["success"].writerow([res.id, "true" if res.created else "false", *raw])
                job["numberRecordsProcessed"], job["numberRecordsFailed"] = processed, failed
                if fail_after is not None and processed >= fail_after:
                    for raw in body[processed:]:
                        writers["unprocessed"].writerow(raw)
                    job["state"] = "Failed"
                    job["errorMessage"] = (
                        "InternalServerError : the job failed while processing (injected fault)"
                    )
                    break
        finally:
            for fh in out.values():
                fh.close()
        if job["state"] == "InProgress":
            job["state"] = "JobComplete"

    def _apply(self, job: dict, op: str, writer: Any, dicts: list[dict]) -> list[Result]:
        if op == "insert":
            return writer.insert(dicts, csv_mode=True)
        if op == "update":
            return writer.update(dicts, csv_mode=True)
        if op == "upsert":
            return writer.upsert(job["externalIdFieldName"], dicts, csv_mode=True)
        ids = [next(iter(d.values()), "") for d in dicts]
        results = self.org.delete(ids, hard=op == "hardDelete")
        for r, raw in zip(results, ids, strict=True):
            if r.error and r.error.code == "MALFORMED_ID":
                r.id = None
            elif r.id is None:
                r.id = raw
        return results

    def _run_query(self, job: dict) -> None:
        query = compile_query(self.org, job["query"], job["operation"] == "queryAll")
        folder = self.dir(job["id"])
        delim, ending = DELIMITERS[job["columnDelimiter"]], LINE_ENDINGS[job["lineEnding"]]
        offsets: list[int] = []
        header = [".".join(s.path) for s in query.selected]
        page, start = 20_000, 0
        with open(folder / "results.csv", "w", encoding="utf-8", newline="") as fh:
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=delim, lineterminator=ending, quoting=csv.QUOTE_ALL)
            w.writerow(header)
            fh.write(buf.getvalue())
            pos = len(buf.getvalue().encode())
            while True:
                rows = query.fetch(page, start)
                for row in rows:
                    buf.seek(0)
                    buf.truncate()
                    w.writerow([self._csv_cell(s, row[i]) for i, s in enumerate(query.selected, start=1)])
                    line = buf.getvalue()
                    offsets.append(pos)
                    fh.write(line)
                    pos += len(line.encode())
                start += len(rows)
                if len(rows) < page:
                    break
            offsets.append(pos)
        (folder / "offsets.json").write_text(json.dumps(offsets))
        self.query_offsets[job["id"]] = offsets
        job["numberRecordsProcessed"] = len(offsets) - 1
        job["state"] = "JobComplete"

    @staticmethod
    def _csv_cell(selected: Any, value: Any) -> str:
        return to_csv_value(selected.field.type, value)

    def query_page(self, job_id: str, locator: str | None, max_records: int | None) -> tuple[bytes, int, str]:
        job = self.get(job_id, "query")
        if job["state"] != "JobComplete":
            raise SFError(400, "INVALIDJOBSTATE", f"Job {job_id} is not complete (state: {job['state']})")
        folder = self.dir(job_id)
        offsets = self.query_offsets.get(job_id)
        if offsets is None:
            offsets = self.query_offsets[job_id] = json.loads((folder / "offsets.json").read_text())
        total = len(offsets) - 1
        try:
            start = int(locator) if locator else 0
        except ValueError:
            raise SFError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None
        if start < 0 or start > total:
            raise SFError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
        size = max_records if max_records and max_records > 0 else total - start
        end = min(total, start + size)
        with open(folder / "results.csv", "rb") as fh:
            header = fh.read(offsets[0]) if offsets else b""
            fh.seek(offsets[start])
            body = fh.read(offsets[end] - offsets[start])
        return header + body, end - start, str(end) if end < total else "null"


# -- routes --------------------------------------------------------------------------------------
EngineDep = Annotated[BulkEngine, Depends(get_engine)]


def _public(job: dict, created: bool = False) -> dict:
    hidden = (
        {
            "numberRecordsProcessed",
            "numberRecordsFailed",
            "retries",
            "totalProcessingTime",
            "apiActiveProcessingTime",
            "apexProcessingTime",
            "jobType",
        }
        if created
        else set()
    )
    return {k: v for k, v in job.items() if k not in hidden and not k.startswith("_")}


@router.post("/ingest")
async def create_ingest(request: Request, engine: EngineDep) -> Response:
    job = engine.new_job(await json_object(request), "ingest", get_version(request))
    return json_response(_public(job, created=True))


@router.post("/query")
async def create_query(request: Request, engine: EngineDep) -> Response:
    job = await run_in_threadpool(engine.new_job, await json_object(request), "query", get_version(request))
    return json_response(_public(job, created=True))


@router.get("/ingest")
async def list_ingest(request: Request, engine: EngineDep) -> Response:
    jobs = [_public(j) for j in engine.jobs.values() if j["jobType"] == "V2Ingest"]
    return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


@router.get("/query")
async def list_query(request: Request, engine: EngineDep) -> Response:
    jobs = [_public(j) for j in engine.jobs.values() if j["jobType"] == "V2Query"]
    return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


@router.get("/{kind}/{job_id}")
async def job_info(request: Request, engine: EngineDep, kind: str, job_id: str) -> Response:
    return json_response(_public(engine.get(job_id, _kind(kind))))


@router.patch("/{kind}/{job_id}")
async def job_state(request: Request, engine: EngineDep, kind: str, job_id: str) -> Response:
    body = await json_object(request)
    if "state" not in body:
        raise SFError(400, "INVALIDJOBSTATE", "the body must give a 'state'")
    return json_response(_public(engine.set_state(job_id, _kind(kind), body["state"])))


@router.delete("/{kind}/{job_id}")
async def job_delete(request: Request, engine: EngineDep, kind: str, job_id: str) -> Response:
    engine.delete(job_id, _kind(kind))
    return Response(status_code=204)


@router.put("/ingest/{job_id}/batches")
async def upload(request: Request, engine: EngineDep, job_id: str) -> Response:
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
    await run_in_threadpool(engine.upload, job_id, bytes(data))
    return Response(status_code=201)


@router.get("/ingest/{job_id}/{result}")
async def ingest_results(request: Request, engine: EngineDep, job_id: str, result: str) -> Response:
    job = engine.get(job_id, "ingest")
    kind = RESULT_KINDS.get(result.lower())
    if kind is None:
        raise SFError(404, "NOT_FOUND", "The requested resource does not exist")
    if job["state"] not in TERMINAL:
        raise SFError(400, "INVALIDJOBSTATE", f"Job {job_id} is not complete (state: {job['state']})")
    path = engine.dir(job_id) / f"{kind}.csv"
    data = path.read_bytes() if path.exists() else b""
    return Response(data, media_type="text/csv")


@router.get("/query/{job_id}/results")
async def query_results(request: Request, engine: EngineDep, job_id: str) -> Response:
    params = request.query_params
    try:
        max_records = int(params["maxRecords"]) if params.get("maxRecords") else None
    except ValueError:
        raise SFError(
            400, "INVALIDPARAMETER", f"maxRecords must be a number: {params['maxRecords']}"
        ) from None
    data, n, locator = await run_in_threadpool(engine.query_page, job_id, params.get("locator"), max_records)
    return Response(
        data, media_type="text/csv", headers={"Sforce-NumberOfRecords": str(n), "Sforce-Locator": locator}
    )


def _kind(kind: str) -> str:
    if kind not in {"ingest", "query"}:
        raise SFError(404, "NOT_FOUND", "The requested resource does not exist")
    return kind


def _fit(row: list[str], n: int) -> list[str]:
    return row[:n] if len(row) >= n else row + [""] * (n - len(row))
