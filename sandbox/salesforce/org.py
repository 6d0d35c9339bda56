"""The org: registry + store + settings + limits + faults, and the record operations REST and Bulk share."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sandbox.salesforce import person_accounts as person_accounts_mod
from sandbox.salesforce import record_types, setup_objects, setup_profile
from sandbox.salesforce.errors import RecordError, SFError, not_found
from sandbox.salesforce.faults import Faults
from sandbox.salesforce.limits import Limits
from sandbox.salesforce.locks import ParentLocks
from sandbox.salesforce.metadata import Registry
from sandbox.salesforce.metadata.ids import BASE62, base62, compute_id18, is_valid_id, new_id
from sandbox.salesforce.seed import seed_org
from sandbox.salesforce.store import Store, q
from sandbox.salesforce.values import now_iso
from sandbox.salesforce.writer import ObjectWriter, Result, chunks

DEFAULT_SETTINGS = {
    "audit_fields_on_create": False,
    "limits": {},
    "row_locks": False,  # parallel Bulk jobs contend for parent rows (locks.py)
    "row_lock_window_seconds": 0.5,
}
DIFF_IGNORED = {"SystemModstamp", "LastModifiedDate", "LastModifiedById"}
NOT_CLEARED = {"OwnerId", "CreatedById", "LastModifiedById", "MasterRecordId"}  # never cleared by a delete


class Org:
    """One sandbox org stored under ``state_dir`` (SQLite file, file bytes, snapshots)."""

    def __init__(
        self,
        state_dir: Path,
        seed: int = 42,
        scale: str = "tiny",
        technicians: list[dict] | None = None,
        person_accounts: bool = False,
        setup: dict | None = None,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir = self.state_dir / "files"
        self.jobs_dir = self.state_dir / "jobs"
        self.snapshots_dir = self.state_dir / "snapshots"
        for d in (self.files_dir, self.jobs_dir, self.snapshots_dir):
            d.mkdir(exist_ok=True)
        self.seed, self.scale = seed, scale
        self.store = Store(self.state_dir / "org.sqlite")
        self.faults = Faults(seed)
        self.locks = ParentLocks()
        self.technicians = technicians
        self.person_accounts = person_accounts  # started with Person Accounts (kept across resets)
        self.setup = setup  # a setup profile (record types, duplicate rules, automation), kept across resets
        self._writers: dict[str, ObjectWriter] = {}
        self._children: dict[str, list[tuple[str, str]]] | None = None
        self.write_lock = threading.RLock()
        saved = self.store.get_meta("registry")
        if saved:
            self.registry = Registry.from_json(saved)
            self.user_id = self.store.get_meta("user_id")
            self.settings = {**DEFAULT_SETTINGS, **self.store.get_meta("settings", {})}
            self.limits = Limits(self.settings["limits"])
            self._count_storage()
            setup_objects.upgrade(self)
            if person_accounts and not self.settings.get("person_accounts"):
                person_accounts_mod.enable(self)
            if setup:
                setup_profile.apply(self, setup)
        else:
            self._fresh()

    # -- set-up ---------------------------------------------------------------------------------
    def _fresh(self) -> None:
        self.settings = json.loads(json.dumps(DEFAULT_SETTINGS))
        self.limits = Limits()
        self.registry = setup_objects.install(Registry.standard())  # + RecordType, ApexTrigger, ...
        self._writers.clear()
        self._children = None
        for name in self.registry.names():
            self.store.ensure_table(self.registry.get(name))
        self.user_id = None
        seed_org(self, self.seed, self.technicians or [], self.seeded_at())
        self.save_registry()
        self.store.set_meta("settings", self.settings)
        if self.person_accounts:
            person_accounts_mod.enable(self)
        if self.setup:
            setup_profile.apply(self, self.setup)

    def seeded_at(self) -> str:
        """When the org was first created: every seed row carries it, so a reset re-creates the starting
        records with the same CreatedDate (a rollback test can compare before and after a reset)."""
        path = self.state_dir / "created_at.txt"
        if not path.exists():
            path.write_text(now_iso())
        return path.read_text().strip()

    def _count_storage(self) -> None:
        total = 0
        for table in self.store.tables():
            total += self.store.execute(f"SELECT COUNT(*) FROM {q(table)}")[0][0]
        self.limits.data_records = total
        self.limits.file_bytes = sum(p.stat().st_size for p in self.files_dir.iterdir() if p.is_file())

    def save_registry(self) -> None:
        self.store.set_meta("registry", self.registry.to_json())

    def reset(self) -> None:
        """Back to the starting state: every record, job, file and custom object goes."""
        with self.write_lock:
            self.store.drop_all()
            for d in (self.files_dir, self.jobs_dir):
                shutil.rmtree(d, ignore_errors=True)
                d.mkdir()
            self.faults.configure({"clear": True})
            self._fresh()

    def update_settings(self, body: dict[str, Any]) -> dict:
        allowed = {"audit_fields_on_create", "limits", "row_locks", "row_lock_window_seconds"}
        unknown = set(body) - allowed
        if unknown:
            raise SFError(
                400,
                "INVALID_FIELD",
                f"unknown setting(s): {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}",
            )
        if "audit_fields_on_create" in body:
            self.settings["audit_fields_on_create"] = bool(body["audit_fields_on_create"])
        if "row_locks" in body:
            self.settings["row_locks"] = bool(body["row_locks"])
        if "row_lock_window_seconds" in body:
            window = float(body["row_lock_window_seconds"])
            if not 0 <= window <= 30:
                raise SFError(400, "INVALID_FIELD", "row_lock_window_seconds must be between 0 and 30")
            self.settings["row_lock_window_seconds"] = window
        if "limits" in body:
            bad = set(body["limits"]) - set(self.limits.maxima)
            if bad:
                raise SFError(400, "INVALID_FIELD", f"unknown limit(s): {', '.join(sorted(bad))}")
            self.settings["limits"].update({k: int(v) for k, v in body["limits"].items()})
            self.limits.maxima.update(self.settings["limits"])
        self.store.set_meta("settings", self.settings)
        return self.settings

    def deploy(self, files: dict[str, str]) -> dict:
        """Apply sfdx source metadata to the registry and the store (ALTER TABLE), all or nothing."""
        with self.write_lock:
            problems = record_types.check_deploy(self, files)  # recordTypes/*.recordType-meta.xml
            if problems:
                return {"success": False, "components": [], "problems": problems}
            result = self.registry.deploy(files)
            out = dataclasses.asdict(result)
            if result.success:
                for name in self.registry.names():
                    self.store.ensure_table(self.registry.get(name))
                self._writers.clear()
                self._children = None
                self.save_registry()
                person_accounts_mod.after_deploy(self)
                record_types.apply_deploy(self, files, out)
        return out

    # -- lookups --------------------------------------------------------------------------------
    def sobject(self, name: str) -> Any:
        obj = self.registry.get(name)
        if obj is None:
            raise SFError(404, "NOT_FOUND", "The requested resource does not exist")
        return obj

    def writer(self, name: str) -> ObjectWriter:
        obj = self.sobject(name)
        w = self._writers.get(obj.name)
        if w is None:
            w = self._writers[obj.name] = ObjectWriter(self, obj)
        return w

    def new_id(self, key_prefix: str, counter: int) -> str:
        return new_id(key_prefix, counter)

    def new_ids(self, key_prefix: str, first: int, n: int) -> list[str]:
        """``n`` consecutive new 18-char ids (the same ids ``new_id`` gives, computed in bulk)."""
        head = new_id(key_prefix, first)[:5]
        c1 = _suffix(head + "0" * 10)[0]
        out = []
        hi_cached, c2, bits3, hi_str = -1, "", 0, ""
        for counter in range(first, first + n):
            hi, lo = divmod(counter, 3844)
            if hi != hi_cached:
                hi_cached, hi_str = hi, base62(hi, 8)
                c2 = _suffix(head + hi_str + "00")[1]
                bits3 = sum(1 << j for j, ch in enumerate(hi_str[5:8]) if "A" <= ch <= "Z")
            out.append(head + hi_str + _LO[lo] + c1 + c2 + _CHECKSUM[bits3 | _LO_BITS[lo]])
        return out

    def normalize_id(self, value: Any, f: Any) -> str:
        """A reference value as an 18-char id of one of the field's referenceTo types."""
        text = str(value).strip()
        if not is_valid_id(text):
            raise RecordError("MALFORMED_ID", f"{f.label}: id value of incorrect type: {text}", [f.name])
        rid = compute_id18(text)
        prefixes = {o.key_prefix for o in (self.registry.get(t) for t in f.reference_to) if o is not None}
        if prefixes and rid[:3] not in prefixes:
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION", f"{f.label}: id value of incorrect type: {rid}", [f.name]
            )
        return rid

    def normalize_record_id(self, value: Any) -> str | None:
        text = str(value or "").strip()
        return compute_id18(text) if is_valid_id(text) else None

    def object_for_id(self, rid: str) -> Any:
        return self.registry.by_key_prefix(rid[:3])

    def closed_case_statuses(self) -> set[str]:
        case = self.registry.get("Case")
        status = case.field("Status") if case else None
        values = status.picklist_values if status else []
        closing = {p.value.lower() for p in values if p.closed or p.value.lower().startswith("closed")}
        return closing | {"closed"}

    def get_record(self, name: str, rid: str, deleted_ok: bool = False) -> dict[str, Any]:
        obj = self.sobject(name)
        rid18 = self.normalize_record_id(rid)
        if rid18 is None or rid18[:3] != obj.key_prefix:
            raise not_found()
        rec = self.writer(obj.name).fetch([rid18]).get(rid18)
        if rec is None or (rec.get("IsDeleted") and not deleted_ok):
            raise not_found()
        return rec

    # -- deletes --------------------------------------------------------------------------------
    # What a delete does to the records that point at the deleted one follows the childRelationships the org
    # publishes in its describe (Object Reference, "DescribeSObjectResult" ChildRelationship: cascadeDelete,
    # restrictedDelete; Metadata API "CustomField" deleteConstraint SetNull | Restrict | Cascade):
    #   cascade  - the children go to the recycle bin with the parent (master-detail, Account -> Contacts)
    #   restrict - the parent cannot be deleted while live children exist (Account -> Cases): DELETE_FAILED
    #   setnull  - any other lookup: the children stay and their lookup is cleared (restored on undelete)
    # restrictedDelete wins where a relationship carries both flags (Account -> Orders).
    def children(self, parent: str) -> list[tuple[str, str, str]]:
        """(child object, field, cascade | restrict | setnull) for every lookup pointing at ``parent``."""
        if self._children is None:
            graph: dict[str, list[tuple[str, str, str]]] = {}
            for name in self.registry.names():
                obj = self.registry.get(name)
                for f in obj.fields.values():
                    if f.type != "reference" or f.name in NOT_CLEARED:
                        continue
                    if f.child_restricted_delete:
                        kind = "restrict"
                    elif f.child_cascade_delete or f.cascade_delete:
                        kind = "cascade"
                    elif not f.nillable:  # a required lookup is never cleared: refuse instead
                        kind = "restrict"
                    elif f.updateable or f.createable:
                        kind = "setnull"
                    else:
                        continue
                    for target in f.reference_to:
                        graph.setdefault(target, []).append((obj.name, f.name, kind))
            self._children = graph
        return self._children.get(parent, [])

    def _check_deletable(self, ids: list[Any], results: list[Result]) -> dict[str, list[tuple[int, str]]]:
        by_obj: dict[str, list[tuple[int, str]]] = {}
        for i, raw in enumerate(ids):
            rid = self.normalize_record_id(raw)
            obj = self.object_for_id(rid) if rid else None
            if obj is None:
                results[i].error = RecordError("MALFORMED_ID", f"bad id {raw}", [])
                continue
            results[i].id = rid
            by_obj.setdefault(obj.name, []).append((i, rid))
        return by_obj

    def _restricted(self, name: str, ids: list[str], deleting: set[str]) -> dict[str, RecordError]:
        """Roots among ``ids`` that cannot go: they, or a record their delete cascades to, still have live
        children through a restrictedDelete relationship (children deleted in the same call do not count)."""
        blocked: dict[str, RecordError] = {}
        frontier: dict[str, dict[str, str]] = {name: {rid: rid for rid in ids}}
        seen: set[str] = set(ids)
        while frontier:
            nxt: dict[str, dict[str, str]] = {}
            for obj_name, roots in frontier.items():
                parent = self.registry.get(obj_name)
                for child, fname, kind in self.children(obj_name):
                    if kind == "setnull":
                        continue
                    for part in chunks(list(roots)):
                        marks = ",".join("?" * len(part))
                        rows = self.store.execute(
                            f"SELECT Id, {q(fname)} FROM {q(child)} WHERE {q(fname)} IN ({marks}) "
                            "AND IsDeleted = 0",
                            part,
                        )
                        for cid, pid in rows:
                            root = roots[pid]
                            if kind == "restrict" and cid not in deleting and root not in blocked:
                                label = self.registry.get(child).label_plural.lower()
                                blocked[root] = RecordError(
                                    "DELETE_FAILED",
                                    f"Your attempt to delete {parent.label} {pid} could not be completed "
                                    f"because it is associated with the following {label}.: {cid}",
                                    [],
                                )
                            elif kind == "cascade" and cid not in seen:
                                seen.add(cid)
                                nxt.setdefault(child, {})[cid] = root
            frontier = nxt
        return blocked

    def delete(self, ids: list[Any], hard: bool = False) -> list[Result]:
        """Delete records to the recycle bin (or for good with ``hard``), following the describe's
        relationships: cascade, restrict, set null."""
        results = [Result(i) for i in range(len(ids))]
        with self.write_lock:
            by_obj = self._check_deletable(ids, results)
            deleting = {rid for items in by_obj.values() for _, rid in items}
            for name, items in by_obj.items():
                obj = self.registry.get(name)
                rows = self.writer(name).fetch([rid for _, rid in items])
                for i, rid in items:
                    row = rows.get(rid)
                    if not obj.deletable:
                        results[i].error = RecordError(
                            "INVALID_TYPE_FOR_OPERATION", f"entity type cannot be deleted: {name}", []
                        )
                    elif row is None:
                        results[i].error = RecordError(
                            "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []
                        )
                    elif row["IsDeleted"] and not hard:
                        results[i].error = RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
                candidates = [rid for i, rid in items if not results[i].error]
                blocked = self._restricted(name, candidates, deleting) if candidates else {}
                for i, rid in items:
                    if not results[i].error and rid in blocked:
                        results[i].error = blocked[rid]
                holders = [_Holder(results[i], rows.get(rid)) for i, rid in items if not results[i].error]
                self.faults.lock_rows(holders)
                self.locks.claim(self.writer(name), holders)  # deleting a child locks its parent too
                good = [rid for i, rid in items if not results[i].error]
                if good:
                    with self.store.transaction() as conn:
                        self._delete_rows(conn, name, good, hard, root=None)
        return results

    def _delete_rows(
        self, conn: sqlite3.Connection, name: str, ids: list[str], hard: bool, root: str | None
    ) -> None:
        """Delete ``ids`` of ``name``; cascade children remember the top-level record as their root, set-null
        children have their lookup cleared (remembered for undelete)."""
        now = now_iso()
        for part in chunks(ids):
            marks = ",".join("?" * len(part))
            for child, fname, kind in self.children(name):
                if kind == "restrict" and not hard:
                    continue
                alive = "" if hard else " AND IsDeleted = 0"
                found = conn.execute(
                    f"SELECT Id, {q(fname)} FROM {q(child)} WHERE {q(fname)} IN ({marks}){alive}", part
                ).fetchall()
                if not found:
                    continue
                if kind == "setnull" or (kind == "restrict" and hard):
                    if not hard:
                        conn.executemany(
                            "INSERT INTO _cleared (root, object, id, field, value) VALUES (?, ?, ?, ?, ?)",
                            [(root or parent, child, cid, fname, parent) for cid, parent in found],
                        )
                    conn.executemany(
                        f"UPDATE {q(child)} SET {q(fname)} = NULL, SystemModstamp = ? WHERE Id = ?",
                        [(now, cid) for cid, _ in found],
                    )
                    continue
                by_root: dict[str, list[str]] = {}
                for cid, parent in found:
                    by_root.setdefault(root or parent, []).append(cid)
                for child_root, child_ids in by_root.items():
                    self._delete_rows(conn, child, child_ids, hard, child_root)
            if hard:
                conn.execute(f"DELETE FROM {q(name)} WHERE Id IN ({marks})", part)
                conn.execute(f"DELETE FROM _cleared WHERE root IN ({marks})", part)
                self.limits.add("DataStorageRecords", -len(part))
                if name == "ContentVersion":
                    for rid in part:
                        path = self.files_dir / rid
                        if path.exists():
                            self.limits.add("FileBytes", -path.stat().st_size)
                            path.unlink()
            else:
                conn.execute(
                    f"UPDATE {q(name)} SET IsDeleted = 1, _del_root = ?, LastModifiedDate = ?, "
                    f"SystemModstamp = ?, LastModifiedById = ? WHERE Id IN ({marks})",
                    (root, now, now, self.user_id, *part),
                )

    def undelete(self, ids: list[Any]) -> list[Result]:
        """Database.undelete: restore records from the recycle bin with what their delete took: the records
        deleted with them, and the lookups it cleared (where still empty)."""
        results = [Result(i) for i in range(len(ids))]
        now = now_iso()
        with self.write_lock:
            for name, items in self._check_deletable(ids, results).items():
                rows = self.writer(name).fetch([rid for _, rid in items])
                for i, rid in items:
                    row = rows.get(rid)
                    if row is None:
                        results[i].error = RecordError(
                            "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []
                        )
                        continue
                    restored = self.store.execute(f"SELECT _del_root FROM {q(name)} WHERE Id = ?", (rid,))
                    if not row["IsDeleted"] or restored[0][0] is not None:
                        results[i].error = RecordError(
                            "UNDELETE_FAILED", "Entity is not in the recycle bin", []
                        )
                        continue
                    with self.store.transaction() as conn:
                        conn.execute(
                            f"UPDATE {q(name)} SET IsDeleted = 0, LastModifiedDate = ?, SystemModstamp = ? "
                            "WHERE Id = ?",
                            (now, now, rid),
                        )
                        for table in self.store.tables():
                            conn.execute(
                                f"UPDATE {q(table)} SET IsDeleted = 0, _del_root = NULL WHERE _del_root = ?",
                                (rid,),
                            )
                        cleared = conn.execute(
                            "SELECT object, id, field, value FROM _cleared WHERE root = ?", (rid,)
                        ).fetchall()
                        for obj_name, cid, fname, value in cleared:
                            conn.execute(
                                f"UPDATE {q(obj_name)} SET {q(fname)} = ?, SystemModstamp = ? "
                                f"WHERE Id = ? AND {q(fname)} IS NULL",
                                (value, now, cid),
                            )
                        conn.execute("DELETE FROM _cleared WHERE root = ?", (rid,))
        return results

    # -- snapshots ------------------------------------------------------------------------------
    def snapshot(self) -> str:
        """Copy the whole org (every table, file checksums) aside; returns the snapshot id."""
        while True:  # ids stay unique across resets (the counter restarts, the files remain)
            snap_id = f"snap{self.store.next_counter('snapshot'):04d}"
            path = self.snapshots_dir / f"{snap_id}.sqlite"
            if not path.exists():
                break
        with self.write_lock, self.store.lock:
            self.store.conn.execute("VACUUM INTO ?", (str(path),))
            files = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in self.files_dir.iterdir()}
        (self.snapshots_dir / f"{snap_id}.files.json").write_text(json.dumps(files))
        return snap_id

    def _load_snapshot(self, snap_id: str) -> tuple[dict[str, dict[str, dict]], dict[str, str]]:
        """Per table: every row by Id, live and in the recycle bin (``IsDeleted`` tells which)."""
        path = self.snapshots_dir / f"{snap_id}.sqlite"
        if not snap_id.isalnum() or not path.exists():
            raise SFError(404, "NOT_FOUND", f"no snapshot {snap_id!r}")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_%' ESCAPE '\\'"
                )
            ]
            data: dict[str, dict[str, dict]] = {}
            for table in tables:
                cur = conn.execute(f"SELECT * FROM {q(table)}")
                cols = [d[0] for d in cur.description]
                data[table] = {row[0]: dict(zip(cols, row, strict=True)) for row in cur}
                id_at = cols.index("Id")
                data[table] = {r[cols[id_at]]: r for r in data[table].values()}
        finally:
            conn.close()
        files = json.loads((self.snapshots_dir / f"{snap_id}.files.json").read_text())
        return data, files

    def diff(self, a: str, b: str, include_system: bool = False) -> dict:
        """Per object from a to b: live records added, removed and changed (with the changed fields), and the
        recycle bin's records added and removed (a soft-deleted record is not the org it was before)."""
        (data_a, files_a), (data_b, files_b) = self._load_snapshot(a), self._load_snapshot(b)
        ignored = set() if include_system else DIFF_IGNORED | {"_del_root"}
        objects: dict[str, dict] = {}
        for table in sorted(set(data_a) | set(data_b)):
            all_a, all_b = data_a.get(table, {}), data_b.get(table, {})
            ra = {k: v for k, v in all_a.items() if not v.get("IsDeleted")}
            rb = {k: v for k, v in all_b.items() if not v.get("IsDeleted")}
            bin_a = {k for k, v in all_a.items() if v.get("IsDeleted")}
            bin_b = {k for k, v in all_b.items() if v.get("IsDeleted")}
            changed = {}
            for rid in set(ra) & set(rb):
                fields = sorted(
                    k
                    for k in set(ra[rid]) | set(rb[rid])
                    if k not in ignored and ra[rid].get(k) != rb[rid].get(k)
                )
                if fields:
                    changed[rid] = fields
            added, removed = sorted(set(rb) - set(ra)), sorted(set(ra) - set(rb))
            bin_added, bin_removed = sorted(bin_b - bin_a), sorted(bin_a - bin_b)
            if added or removed or changed or bin_added or bin_removed:
                objects[table] = {
                    "added": added,
                    "removed": removed,
                    "changed": changed,
                    "recycle_bin_added": bin_added,
                    "recycle_bin_removed": bin_removed,
                }
        file_changes = sorted(k for k in set(files_a) | set(files_b) if files_a.get(k) != files_b.get(k))
        return {
            "a": a,
            "b": b,
            "empty": not objects and not file_changes,
            "objects": objects,
            "files_changed": file_changes,
        }

    def stats(self) -> dict:
        counts = {}
        for table in self.store.tables():
            live, deleted = self.store.execute(
                f"SELECT COALESCE(SUM(IsDeleted = 0), 0), COALESCE(SUM(IsDeleted = 1), 0) FROM {q(table)}"
            )[0]
            if live or deleted:
                counts[table] = {"live": live, "deleted": deleted}
        return {
            "records": counts,
            "faults": self.faults.as_dict(),
            "settings": self.settings,
            "limits": self.limits.snapshot(),
        }


_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


_LO = [a + b for a in BASE62 for b in BASE62]  # the last two base-62 digits of a counter
_LO_BITS = [(("A" <= t[0] <= "Z") << 3) | (("A" <= t[1] <= "Z") << 4) for t in _LO]


def _suffix(id15: str) -> str:
    """The 3-character checksum of a 15-character id (as ``compute_id18`` computes it)."""
    out = ""
    for start in (0, 5, 10):
        bits = 0
        for j in range(5):
            if "A" <= id15[start + j] <= "Z":
                bits |= 1 << j
        out += _CHECKSUM[bits]
    return out


class _Holder:
    """Lets the fault injector and the parent locks mark a bare Result (of a row being deleted)."""

    def __init__(self, result: Result, existing: dict | None = None) -> None:
        self.result, self.existing, self.values = result, existing, {}
