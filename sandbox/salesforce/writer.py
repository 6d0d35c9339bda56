"""Record writes with Salesforce's validation: insert, update, upsert (REST and Bulk share this path).

An ``ObjectWriter`` is compiled once per object and registry version: per-field checkers, the required
fields, the unique fields. Each operation takes a batch of raw rows (JSON values or CSV strings), validates
every row, resolves relationship columns and lookups in a few set-wise queries, and writes the good rows in
one transaction with ``executemany``. Row failures come back as ``RecordError``s, never as exceptions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import save_hooks
from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.store import q
from sandbox.salesforce.values import make_checker, now_iso, sql_type

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

AUDIT_FIELDS = {"CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById"}
# "Set Audit Fields upon Record Creation" covers these standard objects and every custom object
# (https://releasenotes.docs.salesforce.com/en-us/winter16/release-notes/rn_general_audit_fields_inactive_owners.htm)
AUDIT_OBJECTS = {
    "Account", "ArticleVersion", "Attachment", "CampaignMember", "Case", "CaseComment", "Contact",
    "ContentVersion", "Contract", "Event", "Idea", "IdeaComment", "Lead", "Opportunity", "Question", "Task",
    "Vote",
}  # fmt: skip


def audit_fields_settable(org: Org, object_name: str) -> bool:
    """The org grants "Set Audit Fields upon Record Creation" and the object is one it covers."""
    return bool(org.settings.get("audit_fields_on_create")) and (
        object_name in AUDIT_OBJECTS or object_name.endswith("__c")
    )


def with_audit_createable(describe: dict) -> dict:
    """An object's describe as a user holding the permission sees it: the audit fields are createable
    (never updateable), which is how clients such as Data Loader offer them for insert."""
    out = dict(describe)
    out["fields"] = [
        {**f, "createable": True} if f.get("name") in AUDIT_FIELDS else f for f in describe.get("fields", [])
    ]
    return out


SYSTEM_FIELDS = AUDIT_FIELDS | {"Id", "SystemModstamp", "IsDeleted"}
CHUNK = 900  # SQLite variables per IN (...)


class Result:
    """The outcome for one input row."""

    __slots__ = ("index", "id", "created", "error")

    def __init__(
        self,
        index: int,
        id: str | None = None,
        created: bool = False,  # noqa: A002
        error: RecordError | None = None,
    ) -> None:
        self.index, self.id, self.created, self.error = index, id, created, error

    def __repr__(self) -> str:
        return f"Result(index={self.index}, id={self.id!r}, created={self.created}, error={self.error!r})"


@dataclass
class Column:
    """How an input key maps onto the object: a field, or a relationship column resolved by external id."""

    key: str
    field: Any
    target: Any = None  # ObjectDef for relationship columns
    ext: Any = None  # FieldDef of the external id on the target


class PlanError(Exception):
    """An input key that is not a field (or a usable relationship column) of the object."""

    def __init__(self, key: str, reason: str = "") -> None:
        super().__init__(key)
        self.key, self.reason = key, reason


class _Row:
    """One input row on its way through validation."""

    __slots__ = ("result", "values", "rels", "existing")

    def __init__(self, result: Result) -> None:
        self.result = result
        self.values: dict[str, Any] = {}
        self.rels: list[tuple[Column, Any]] = []
        self.existing: dict[str, Any] | None = None


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def id_error(value: Any) -> RecordError:
    return RecordError("MALFORMED_ID", f"bad id {value}", [])


class ObjectWriter:
    """Validation and DML for one sobject."""

    def __init__(self, org: Org, obj: Any) -> None:
        self.org, self.obj, self.table = org, obj, obj.name
        self.columns = [c for c in org.store.columns(obj.name) if not c.startswith("_")]
        self.fields = {f.name: f for f in obj.fields.values() if sql_type(f.type)}
        self._checkers: dict[tuple[str, bool], Any] = {}
        self.required = [
            f
            for f in self.fields.values()
            if not f.nillable
            and not f.defaulted_on_create
            and f.createable
            and f.type != "boolean"
            and not f.auto_number
            and not f.calculated
            and f.name not in SYSTEM_FIELDS
        ]
        self.unique = [f for f in self.fields.values() if f.unique and f.name != "Id"]
        self.references = [f for f in self.fields.values() if f.type == "reference" and f.reference_to]
        self.auto_numbers = [f for f in self.fields.values() if f.auto_number]
        self.defaults: list[tuple[Any, Any]] = []
        for f in self.fields.values():
            picked = next((p.value for p in f.picklist_values if p.default_value and p.active), None)
            value = f.default_value if f.default_value is not None else picked
            if value is not None and f.name not in SYSTEM_FIELDS and not f.auto_number:
                self.defaults.append((f, value))
        self.boolean_names = [
            f.name for f in self.fields.values() if f.type == "boolean" and f.name not in SYSTEM_FIELDS
        ]
        self._needs_computed = (
            self.table == "Case"
            or "TotalPrice" in self.fields
            or ("Name" in self.fields and "LastName" in self.fields)
        )

    # -- planning -------------------------------------------------------------------------------
    def checker(self, f: Any, csv_mode: bool) -> Any:
        key = (f.name, csv_mode)
        if key not in self._checkers:
            self._checkers[key] = make_checker(f, csv_mode)
        return self._checkers[key]

    def plan(self, keys: Iterable[str]) -> dict[str, Column]:
        """Map input keys to columns; raises PlanError on the first unknown one."""
        out: dict[str, Column] = {}
        for key in keys:
            if "." in key:
                rel, _, ext_name = key.partition(".")
                ref = self.obj.relationship(rel)
                target = self.org.registry.get(ref.reference_to[0]) if ref and ref.reference_to else None
                ext = target.field(ext_name) if target else None
                if not ref or not ext:
                    raise PlanError(key)
                if not (ext.external_id or ext.id_lookup or ext.name == "Id"):
                    raise PlanError(key, "not an external id")
                out[key] = Column(key, ref, target, ext)
                continue
            f = self.obj.field(key)
            if f is None or not sql_type(f.type):
                raise PlanError(key)
            out[key] = Column(key, f)
        return out

    # -- conversion -----------------------------------------------------------------------------
    def compile_plan(self, plan: dict[str, Column], csv_mode: bool, insert: bool) -> dict[str, tuple]:
        """Per input key: (field name, checker, relationship column, access allowed, is reference, skip)."""
        audit_ok = insert and audit_fields_settable(self.org, self.obj.name)
        out = {}
        for key, col in plan.items():
            f = col.field
            allowed = (f.createable if insert else f.updateable) or (audit_ok and f.name in AUDIT_FIELDS)
            rel = col if col.target is not None else None
            skip = f.name == "Id" and not insert and rel is None
            out[key] = (f.name, self.checker(f, csv_mode), rel, allowed, f.type == "reference", skip, f)
        return out

    def _convert(self, raw: dict, entries: dict[str, tuple], csv_mode: bool, row: _Row) -> None:
        bad_access: list[str] = []
        values = row.values
        for key, value in raw.items():
            name, check, rel, allowed, is_ref, skip, f = entries[key]
            if skip:
                continue
            if csv_mode:
                if value == "":
                    continue
                if value == "#N/A":
                    value = None
            if rel is not None:
                if value is not None:
                    row.rels.append((rel, value))
                else:
                    values[name] = None
                continue
            if not allowed:
                bad_access.append(name)
                continue
            if value is None:
                # a checkbox is never null (the recorded describes: boolean fields are nillable=false,
                # default false): clearing one stores false
                values[name] = False if f.type == "boolean" else None
                continue
            stored = check(value)
            if is_ref and stored is not None:
                stored = self.org.normalize_id(stored, f)
            values[name] = stored
        if bad_access:
            names = ", ".join(bad_access)
            raise RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {names}. Please check the security settings of this field "
                "and verify that it is read/write for your profile or permission set.",
                bad_access,
            )

    # -- set-wise checks ------------------------------------------------------------------------
    def _resolve_rels(self, rows: list[_Row]) -> None:
        groups: dict[tuple[str, str], set] = defaultdict(set)
        for r in rows:
            for col, value in r.rels:
                groups[(col.target.name, col.ext.name)].add(str(value))
        found: dict[tuple[str, str], dict[str, list[str]]] = {}
        for (table, ext), values in groups.items():
            mapping: dict[str, list[str]] = defaultdict(list)
            for part in chunks(sorted(values)):
                marks = ",".join("?" * len(part))
                sql = f"SELECT {q(ext)}, Id FROM {q(table)} WHERE {q(ext)} IN ({marks}) AND IsDeleted = 0"
                for value, rid in self.org.store.execute(sql, part):
                    mapping[str(value).lower()].append(rid)
            found[(table, ext)] = mapping
        for r in rows:
            if r.result.error:
                continue
            for col, value in r.rels:
                ids = found[(col.target.name, col.ext.name)].get(str(value).lower(), [])
                if len(ids) != 1:
                    r.result.error = RecordError(
                        "INVALID_FIELD",
                        f"Foreign key external ID: {value} not found for field {col.ext.name} in entity "
                        f"{col.target.name}"
                        if not ids
                        else f"More than 1 record found for external id field: {col.ext.name}",
                        [col.field.name],
                    )
                    break
                r.values[col.field.name] = ids[0]

    def _check_references(self, rows: list[_Row]) -> None:
        wanted: dict[str, set] = defaultdict(set)
        present: set[str] = set()
        for r in rows:
            present.update(r.values.keys())
        refs = [f for f in self.references if f.name in present]
        if not refs:
            return
        for r in rows:
            if r.result.error:
                continue
            for f in refs:
                rid = r.values.get(f.name)
                if rid:
                    wanted[rid[:3]].add(rid)
        state: dict[str, int] = {}
        for prefix, ids in wanted.items():
            target = self.org.registry.by_key_prefix(prefix)
            if target is None:
                continue
            for part in chunks(sorted(ids)):
                marks = ",".join("?" * len(part))
                for rid, deleted in self.org.store.execute(
                    f"SELECT Id, IsDeleted FROM {q(target.name)} WHERE Id IN ({marks})", part
                ):
                    state[rid] = deleted
        for r in rows:
            if r.result.error:
                continue
            for f in refs:
                rid = r.values.get(f.name)
                if rid and rid not in state:
                    r.result.error = RecordError(
                        "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [f.name]
                    )
                    break
                if rid and state[rid]:
                    r.result.error = RecordError("ENTITY_IS_DELETED", "entity is deleted", [f.name])
                    break

    def _check_unique(self, rows: list[_Row]) -> None:
        for f in self.unique:
            sensitive = bool(getattr(f, "case_sensitive", False))
            norm = (lambda v: str(v)) if sensitive else (lambda v: str(v).lower())  # noqa: E731
            seen: dict[str, str | None] = {}
            batch: list[_Row] = []
            for r in rows:
                if r.result.error or r.values.get(f.name) is None:
                    continue
                key = norm(r.values[f.name])
                own = r.values.get("Id")
                if key in seen:
                    r.result.error = RecordError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {f.name} duplicates value on record with id: "
                        f"{seen[key] or ''}",
                        [f.name],
                    )
                    continue
                seen[key] = own
                batch.append(r)
            if not batch:
                continue
            existing: dict[str, list[str]] = defaultdict(list)
            values = sorted({str(r.values[f.name]) for r in batch})
            for part in chunks(values):
                marks = ",".join("?" * len(part))
                sql = f"SELECT {q(f.name)}, Id FROM {q(self.table)} WHERE {q(f.name)} IN ({marks})"
                for value, rid in self.org.store.execute(sql, part):
                    existing[norm(value)].append(rid)
            for r in batch:
                others = [i for i in existing.get(norm(r.values[f.name]), []) if i != r.values.get("Id")]
                if others:
                    r.result.error = RecordError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {f.name} duplicates value on record with id: {others[0]}",
                        [f.name],
                    )

    def _check_links(self, rows: list[_Row]) -> None:
        """A document links to a record once: a second link answers DUPLICATE_VALUE (as a real org does)."""
        seen: set[tuple[str, str]] = set()
        pairs = {
            (r.values.get("ContentDocumentId"), r.values.get("LinkedEntityId"))
            for r in rows
            if not r.result.error
        }
        existing: set[tuple[str, str]] = set()
        for doc, entity in pairs:
            if (
                doc
                and entity
                and self.org.store.execute(
                    "SELECT 1 FROM ContentDocumentLink WHERE ContentDocumentId = ? AND LinkedEntityId = ? "
                    "AND IsDeleted = 0",
                    (doc, entity),
                )
            ):
                existing.add((doc, entity))
        for r in rows:
            if r.result.error:
                continue
            pair = (r.values.get("ContentDocumentId"), r.values.get("LinkedEntityId"))
            if pair in existing or pair in seen:
                r.result.error = RecordError(
                    "DUPLICATE_VALUE",
                    f"Document with ID: {pair[0]} is already linked with the entity with ID: {pair[1]}",
                    ["LinkedEntityId"],
                )
                continue
            seen.add(pair)

    def _check_rules(self, rows: list[_Row], existing: dict[str, dict] | None) -> None:
        """Active validation rules: a rule whose condition is true fails the row with its message."""
        rules = self.obj.props.get("validationRules") if self.obj.props else None
        if not rules:
            return
        from sandbox.salesforce.formula import evaluate_rules

        for r in rows:
            if r.result.error:
                continue
            before = (existing or {}).get(r.result.id or "", {}) if existing is not None else {}
            merged = {**before, **r.values}
            err = evaluate_rules(self.obj, rules, merged)
            if err is not None:
                r.result.error = err

    def _check_required(self, r: _Row, insert: bool) -> None:
        missing = [
            f.name
            for f in self.required
            if (r.values.get(f.name) is None if insert else (f.name in r.values and r.values[f.name] is None))
        ]
        if missing:
            raise RecordError(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )

    def _computed(self, values: dict[str, Any], merged: dict[str, Any]) -> None:
        """Fields the org computes: names, IsClosed/ClosedDate, TotalPrice."""
        fields = self.fields
        person = "Name" in fields and not fields["Name"].createable and "LastName" in fields
        if person and ("FirstName" in values or "LastName" in values):
            parts = [merged.get("FirstName"), merged.get("LastName")]
            values["Name"] = " ".join(p for p in parts if p) or None
        if self.table == "Case" and "IsClosed" in fields and "Status" in values:
            closed = str(merged.get("Status") or "").lower() in self.org.closed_case_statuses()
            values["IsClosed"] = int(closed)
            if "ClosedDate" in fields:
                if closed and not merged.get("ClosedDate"):
                    values["ClosedDate"] = values.get("LastModifiedDate") or now_iso()
                elif not closed:
                    values["ClosedDate"] = None
        if "TotalPrice" in fields and ("Quantity" in values or "UnitPrice" in values):
            qty, price = merged.get("Quantity"), merged.get("UnitPrice")
            values["TotalPrice"] = qty * price if qty is not None and price is not None else None

    # -- operations -----------------------------------------------------------------------------
    def insert(
        self,
        raws: list[dict],
        csv_mode: bool = False,
        extra: list[dict] | None = None,
        indexes: list[int] | None = None,
    ) -> list[Result]:
        """Validate and insert rows; ``extra`` holds org-set values (files) that skip access checks."""
        plan = self.plan({k for raw in raws for k in raw})
        rows = [_Row(Result(indexes[i] if indexes else i)) for i in range(len(raws))]
        entries = self.compile_plan(plan, csv_mode, True)
        for r, raw in zip(rows, raws, strict=True):
            try:
                self._convert(raw, entries, csv_mode, r)
            except RecordError as exc:
                r.result.error = exc
        self._resolve_rels(rows)
        save_hooks.before_save(self, rows, None)
        for i, r in enumerate(rows):
            if extra and not r.result.error:
                r.values.update(extra[i])
            if not r.result.error:
                try:
                    self._check_required(r, True)
                except RecordError as exc:
                    r.result.error = exc
        self._check_references(rows)
        self._check_unique(rows)
        if self.table == "ContentDocumentLink":
            self._check_links(rows)
        self._check_rules(rows, None)
        save_hooks.after_rules(self, rows, None)
        good = [r for r in rows if not r.result.error]
        self.org.faults.lock_rows(good)
        self.org.locks.claim(self, good)
        good = [r for r in good if not r.result.error]
        if good:
            self._write_inserts(good)
            save_hooks.after_insert(self, good)
        return [r.result for r in rows]

    def _insert_template(self, now: str, user: str | None) -> dict[str, Any]:
        """Values every new row starts from: defaults, false booleans, system fields."""
        template: dict[str, Any] = {}
        for f, default in self.defaults:
            try:
                template[f.name] = self.checker(f, False)(default)
            except RecordError:
                template[f.name] = None
        for name in self.boolean_names:
            template.setdefault(name, 0)
        template.update(
            {
                "CreatedDate": now,
                "CreatedById": user,
                "LastModifiedDate": now,
                "LastModifiedById": user,
                "SystemModstamp": now,
                "IsDeleted": 0,
            }
        )
        if "OwnerId" in self.fields:
            template["OwnerId"] = user
        return {k: v for k, v in template.items() if k in self.fields}

    def _write_inserts(self, rows: list[_Row]) -> None:
        org, now, user = self.org, now_iso(), self.org.user_id
        with org.store.transaction() as conn:
            first = org.store.next_counter("id:" + self.obj.key_prefix, len(rows))
            autos = {
                f.name: org.store.next_counter("auto:" + self.table + "." + f.name, len(rows))
                for f in self.auto_numbers
            }
            ids = org.new_ids(self.obj.key_prefix, first, len(rows))
            template = self._insert_template(now, user)
            has_owner = "OwnerId" in self.fields
            computed = self._needs_computed
            present = set(template) | set(autos) | {"Id"}
            for n, r in enumerate(rows):
                given = r.values
                present.update(given.keys())
                v = r.values = {**template, **given}
                for name in self.boolean_names:
                    if v[name] is None:
                        v[name] = 0
                for name, start in autos.items():
                    v[name] = f"{start + n:08d}"
                v["Id"] = ids[n]
                if "CreatedDate" in given and "LastModifiedDate" not in given:
                    v["LastModifiedDate"] = given["CreatedDate"]
                if "CreatedById" in given and "LastModifiedById" not in given:
                    v["LastModifiedById"] = given["CreatedById"]
                if has_owner and not v.get("OwnerId"):
                    v["OwnerId"] = user
                if computed:
                    self._computed(v, v)
                    present.update(v.keys())
                r.result.id, r.result.created = v["Id"], True
            columns = [c for c in self.columns if c in present]
            params = [[r.values.get(c) for c in columns] for r in rows]
            cols = ", ".join(q(c) for c in columns)
            marks = ", ".join("?" * len(columns))
            conn.executemany(f"INSERT INTO {q(self.table)} ({cols}) VALUES ({marks})", params)
        org.limits.add("DataStorageRecords", len(rows))

    def fetch(self, ids: list[str]) -> dict[str, dict]:
        out = {}
        for part in chunks(sorted(set(ids))):
            marks = ",".join("?" * len(part))
            cur_cols = ", ".join(q(c) for c in self.columns)
            for row in self.org.store.execute(
                f"SELECT {cur_cols} FROM {q(self.table)} WHERE Id IN ({marks})", part
            ):
                rec = dict(zip(self.columns, row, strict=True))
                out[rec["Id"]] = rec
        return out

    def update(
        self, raws: list[dict], csv_mode: bool = False, indexes: list[int] | None = None
    ) -> list[Result]:
        """Validate and update rows that carry an ``Id`` (any key case)."""
        plan = self.plan({k for raw in raws for k in raw})
        id_key = next((k for k, c in plan.items() if c.field.name == "Id"), None)
        rows = [_Row(Result(indexes[i] if indexes else i)) for i in range(len(raws))]
        ids = []
        for r, raw in zip(rows, raws, strict=True):
            rid = self.org.normalize_record_id(raw.get(id_key) if id_key else None)
            if rid is None or rid[:3] != self.obj.key_prefix:
                r.result.error = (
                    RecordError("MISSING_ARGUMENT", "Id not specified in an update call", [])
                    if not raw.get(id_key or "Id")
                    else id_error(raw.get(id_key))
                )
                continue
            r.result.id = rid
            ids.append(rid)
        existing = self.fetch(ids)
        entries = self.compile_plan(plan, csv_mode, False)
        for r, raw in zip(rows, raws, strict=True):
            if r.result.error:
                continue
            cur = existing.get(r.result.id)
            if cur is None:
                r.result.error = RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
                continue
            if cur.get("IsDeleted"):
                r.result.error = RecordError("ENTITY_IS_DELETED", "entity is deleted", [])
                continue
            r.existing = cur
            try:
                self._convert(raw, entries, csv_mode, r)
            except RecordError as exc:
                r.result.error = exc
        self._resolve_rels(rows)
        save_hooks.before_save(self, rows, existing)
        for r in rows:
            if not r.result.error:
                try:
                    self._check_required(r, False)
                except RecordError as exc:
                    r.result.error = exc
        for r in rows:  # the unique check compares against other records only
            if not r.result.error:
                r.values["Id"] = r.result.id
        self._check_references(rows)
        self._check_unique(rows)
        self._check_rules(rows, existing)
        save_hooks.after_rules(self, rows, existing)
        good = [r for r in rows if not r.result.error]
        self.org.faults.lock_rows(good)
        self.org.locks.claim(self, good)
        good = [r for r in good if not r.result.error]
        if good:
            self._write_updates(good)
            save_hooks.after_update(self, good)
        return [r.result for r in rows]

    def _write_updates(self, rows: list[_Row]) -> None:
        now, user = now_iso(), self.org.user_id
        groups: dict[tuple[str, ...], list[list]] = defaultdict(list)
        for r in rows:
            v = r.values
            v.pop("Id", None)
            v["LastModifiedDate"] = now
            v["LastModifiedById"] = user
            v["SystemModstamp"] = now
            self._computed(v, {**(r.existing or {}), **v})
            cols = tuple(sorted(v))
            groups[cols].append([v[c] for c in cols] + [r.result.id])
        with self.org.store.transaction() as conn:
            for cols, params in groups.items():
                sets = ", ".join(f"{q(c)} = ?" for c in cols)
                conn.executemany(f"UPDATE {q(self.table)} SET {sets} WHERE Id = ?", params)

    def upsert(self, ext_name: str, raws: list[dict], csv_mode: bool = False) -> list[Result]:
        """Insert or update by an external id field (``Id`` also allowed)."""
        ext = self.obj.field(ext_name)
        if ext is None or not (ext.external_id or ext.id_lookup or ext.name == "Id"):
            raise PlanError(ext_name, "not an external id")
        plan = self.plan({k for raw in raws for k in raw})
        key = next((k for k, c in plan.items() if c.target is None and c.field.name == ext.name), None)
        results: list[Result | None] = [None] * len(raws)
        values: dict[int, str] = {}
        for i, raw in enumerate(raws):
            value = raw.get(key) if key else None
            if value in (None, "", "#N/A"):
                results[i] = Result(
                    i, error=RecordError("MISSING_ARGUMENT", f"{ext.name} not specified", [ext.name])
                )
            else:
                values[i] = (
                    str(value) if ext.name != "Id" else (self.org.normalize_record_id(value) or str(value))
                )
        sensitive = bool(getattr(ext, "case_sensitive", False)) or ext.name == "Id"
        norm = (lambda v: v) if sensitive else (lambda v: v.lower())  # noqa: E731
        counts: dict[str, int] = defaultdict(int)
        for v in values.values():
            counts[norm(v)] += 1
        found: dict[str, list[str]] = defaultdict(list)
        distinct = sorted({v for v in values.values()})
        for part in chunks(distinct):
            marks = ",".join("?" * len(part))
            sql = (
                f"SELECT {q(ext.name)}, Id FROM {q(self.table)} WHERE {q(ext.name)} IN ({marks}) "
                "AND IsDeleted = 0"
            )
            for v, rid in self.org.store.execute(sql, part):
                found[norm(str(v))].append(rid)
        to_insert, to_update = [], []
        for i, v in values.items():
            if counts[norm(v)] > 1:
                # the same key twice in one call/batch: "DUPLICATE_VALUE, Duplicate external id specified: 1:
                # [Test__c]" (https://salesforce.stackexchange.com/questions/296121); several existing records
                # matching one key is DUPLICATE_EXTERNAL_ID (below)
                results[i] = Result(
                    i,
                    error=RecordError("DUPLICATE_VALUE", f"Duplicate external id specified: {v}", [ext.name]),
                )
            elif len(found[norm(v)]) > 1:
                results[i] = Result(
                    i,
                    error=RecordError(
                        "DUPLICATE_EXTERNAL_ID",
                        f"{ext.name}: more than one record found for external id field: {found[norm(v)]}",
                        [ext.name],
                    ),
                )
            elif found[norm(v)]:
                row = {k: val for k, val in raws[i].items() if k != key or ext.name == "Id"}
                row["Id"] = found[norm(v)][0]
                to_update.append((i, row))
            else:
                if ext.name == "Id":
                    results[i] = Result(
                        i,
                        error=RecordError(
                            "NOT_FOUND",
                            "Provided external ID field does not exist or is not accessible: " + v,
                            [],
                        ),
                    )
                    continue
                to_insert.append((i, raws[i]))
        if to_insert:
            for res in self.insert([r for _, r in to_insert], csv_mode, indexes=[i for i, _ in to_insert]):
                results[res.index] = res
        if to_update:
            for res in self.update([r for _, r in to_update], csv_mode, indexes=[i for i, _ in to_update]):
                results[res.index] = res
        return [r for r in results if r is not None]

    def restore(self, row: dict[str, Any]) -> None:
        """Put a fetched row back exactly as it was (all-or-none rollback)."""
        cols = [c for c in self.columns if c != "Id"]
        sets = ", ".join(f"{q(c)} = ?" for c in cols)
        with self.org.store.transaction() as conn:
            conn.execute(
                f"UPDATE {q(self.table)} SET {sets} WHERE Id = ?", [row.get(c) for c in cols] + [row["Id"]]
            )
