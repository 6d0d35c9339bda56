"""SOQL: parse with lark (``soql.lark``), check names against the registry, translate to parameterised SQL.

``compile_query(org, text, include_deleted)`` returns a ``Query``; ``Query.rows(limit, offset)`` yields
records shaped like the REST API's (``attributes``, nested parent records), ``Query.count()`` the total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from sandbox.salesforce.compound import COMPOUND_TYPES
from sandbox.salesforce.compound import sql as compound_sql
from sandbox.salesforce.errors import SFError
from sandbox.salesforce.metadata.ids import compute_id18, is_valid_id
from sandbox.salesforce.store import q
from sandbox.salesforce.values import DATE_RE, format_datetime, org_now, parse_datetime, sql_type

GRAMMAR = Path(__file__).with_name("soql.lark")
OPS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(GRAMMAR.read_text(), parser="lalr", maybe_placeholders=True)


def malformed(message: str) -> SFError:
    return SFError(400, "MALFORMED_QUERY", message)


def parse(text: str) -> Tree:
    """The parse tree of a SOQL statement, or 400 MALFORMED_QUERY naming the unexpected token."""
    try:
        return parser().parse(text)
    except UnexpectedToken as exc:
        tok = exc.token
        shown = "EOF" if tok.type == "$END" else str(tok)
        raise malformed(f"unexpected token: '{shown}' at Row:{exc.line}:Column:{exc.column}") from None
    except UnexpectedCharacters as exc:
        raise malformed(
            f"unexpected token: '{text[exc.pos_in_stream]}' at Row:{exc.line}:Column:{exc.column}"
        ) from None
    except (UnexpectedEOF, UnexpectedInput) as exc:
        raise malformed(f"unexpected end of query: {exc}") from None


@dataclass
class Selected:
    """One selected column: its output path and where it comes from."""

    path: list[str]  # output keys, e.g. ["Account", "Name"]
    field: Any
    sql: str
    rel_alias: str | None = None
    rel_obj: Any = None
    rel_field: Any = None  # the reference field on the queried object


@dataclass
class Query:
    org: Any
    obj: Any
    selected: list[Selected]
    from_sql: str
    where_sql: str
    params: list[Any]
    order_sql: str
    limit: int | None
    offset: int
    count_only: bool = False
    aggregate: bool = False
    joins: dict[str, tuple[str, Any, Any]] = field(default_factory=dict)

    def _base(self, columns: str, with_order: bool = True) -> tuple[str, list[Any]]:
        sql = f"SELECT {columns} FROM {self.from_sql} WHERE {self.where_sql}"
        if with_order:
            sql += f" ORDER BY {self.order_sql}"
        params = list(self.params)
        if self.limit is not None or self.offset:
            sql += " LIMIT ? OFFSET ?"
            params += [self.limit if self.limit is not None else -1, self.offset]
        return sql, params

    def count(self) -> int:
        if self.limit is None and not self.offset:
            sql = f"SELECT COUNT(*) FROM {self.from_sql} WHERE {self.where_sql}"
            return self.org.store.execute(sql, self.params)[0][0]
        inner, params = self._base("1", with_order=False)
        return self.org.store.execute(f"SELECT COUNT(*) FROM ({inner})", params)[0][0]

    def _columns(self) -> list[str]:
        cols = ["t0.Id"] + [s.sql for s in self.selected]
        cols += [f"{alias}.Id" for alias in self.joins]
        return cols

    def fetch(self, page_size: int, page_offset: int) -> list[tuple]:
        inner, params = self._base(", ".join(self._columns()))
        sql = f"SELECT * FROM ({inner}) LIMIT ? OFFSET ?"
        return self.org.store.execute(sql, [*params, page_size, page_offset])

    def records(self, rows: list[tuple], version: str) -> list[dict]:
        """REST-shaped records: attributes, fields in select order, parents nested (None when unset)."""
        from sandbox.salesforce.values import to_json_value

        base = f"/services/data/v{version}/sobjects"
        n_sel = len(self.selected)
        join_pos = {alias: 1 + n_sel + i for i, alias in enumerate(self.joins)}
        out = []
        for row in rows:
            rid = row[0]
            rec: dict[str, Any] = {
                "attributes": {"type": self.obj.name, "url": f"{base}/{self.obj.name}/{rid}"}
            }
            for i, s in enumerate(self.selected, start=1):
                value = row[i]
                if s.field.type == "base64":
                    value = f"{base}/{self.obj.name}/{rid}/{s.field.name}" if rid else None
                else:
                    value = to_json_value(s.field.type, value)
                if s.rel_alias is None:
                    rec[s.path[0]] = value
                    continue
                parent_id = row[join_pos[s.rel_alias]]
                key = s.path[0]
                if parent_id is None:
                    rec[key] = None
                    continue
                parent = rec.get(key)
                if parent is None:
                    parent = rec[key] = {
                        "attributes": {"type": s.rel_obj.name, "url": f"{base}/{s.rel_obj.name}/{parent_id}"}
                    }
                parent[s.path[1]] = value
            out.append(rec)
        return out


class _Translator:
    def __init__(self, org: Any, obj: Any) -> None:
        self.org, self.obj = org, obj
        self.joins: dict[str, tuple[str, Any, Any]] = {}  # alias -> (rel name, target obj, ref field)
        self.params: list[Any] = []

    def _no_column(self, name: str, entity: str) -> SFError:
        return SFError(
            400,
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{entity}'. If you are attempting to use a "
            "custom field, be sure "
            "to append the '__c' after the custom field name. Please reference your WSDL or "
            "the describe call "
            "for the appropriate names.",
        )

    def resolve(self, path: list[str]) -> tuple[str, Any, str | None, Any, Any]:
        """(sql expression, FieldDef, join alias, parent object, reference field) for a field path."""
        if len(path) > 1 and path[0].lower() == self.obj.name.lower() and len(path) == 2:
            path = path[1:]
        if len(path) == 1:
            f = self.obj.field(path[0])
            if f is None:
                raise self._no_column(path[0], self.obj.name)
            if f.type in COMPOUND_TYPES:
                return compound_sql(self.obj, f, "t0"), f, None, None, None
            if not sql_type(f.type) and f.type != "base64":
                raise SFError(400, "INVALID_FIELD", f"field '{f.name}' cannot be selected")
            return (f"t0.{q(f.name)}" if sql_type(f.type) else "NULL"), f, None, None, None
        if len(path) > 2:
            raise malformed(
                "relationship paths deeper than one level are not supported by the sandbox org: "
                + ".".join(path)
            )
        ref = self.obj.relationship(path[0])
        target = self.org.registry.get(ref.reference_to[0]) if ref and ref.reference_to else None
        if target is None:
            raise SFError(
                400,
                "INVALID_FIELD",
                f"Didn't understand relationship '{path[0]}' in field path. If you are attempting "
                "to use a custom "
                "relationship, be sure to append the '__r' after the custom relationship name. "
                "Please reference "
                "your WSDL or the describe call for the appropriate names.",
            )
        f = target.field(path[1])
        if f is None or not (sql_type(f.type) or f.type in COMPOUND_TYPES):
            raise self._no_column(path[1], target.name)
        alias = next((a for a, (rel, _, _) in self.joins.items() if rel == ref.relationship_name), None)
        if alias is None:
            alias = f"p{len(self.joins) + 1}"
            self.joins[alias] = (ref.relationship_name, target, ref)
        if f.type in COMPOUND_TYPES:
            return compound_sql(target, f, alias), f, alias, target, ref
        return f"{alias}.{q(f.name)}", f, alias, target, ref

    # -- values ---------------------------------------------------------------------------------
    def literal(self, node: Tree, f: Any) -> Any:
        kind = node.data
        raw = node.children[0] if node.children else None
        ftype = f.type
        if kind == "null":
            return None
        if kind == "string":
            text = (
                bytes(str(raw)[1:-1], "utf-8").decode("unicode_escape")
                if "\\" in str(raw)
                else str(raw)[1:-1]
            )
            if ftype in {"date", "datetime"}:
                raise SFError(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{f.name}' must be of type "
                    f"{'dateTime' if ftype == 'datetime' else 'date'} and should not be enclosed in quotes",
                )
            if ftype in {"int", "double", "currency", "percent", "boolean"}:
                raise SFError(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{f.name}' must be of type {ftype} and should "
                    "not be enclosed in quotes",
                )
            if ftype in {"id", "reference"} and is_valid_id(text):
                return compute_id18(text)
            return text
        if kind in {"true", "false"}:
            if ftype != "boolean":
                raise SFError(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{f.name}' must be of type {ftype}",
                )
            return int(kind == "true")
        if kind == "number":
            if ftype not in {"int", "double", "currency", "percent"}:
                raise SFError(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{f.name}' must be of "
                    f"type {ftype} and should be enclosed in quotes",
                )
            return float(raw) if any(c in str(raw) for c in ".eE") else int(raw)
        if kind == "date":
            if ftype == "datetime":
                raise SFError(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{f.name}' must be of "
                    "type dateTime and should not be enclosed in quotes",
                )
            if ftype != "date":
                raise SFError(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{f.name}' must be of "
                    f"type {ftype} and should be enclosed in quotes",
                )
            return str(raw)
        if kind == "datetime":
            if ftype not in {"datetime", "date"}:
                raise SFError(
                    400,
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{f.name}' must be of "
                    f"type {ftype} and should be enclosed in quotes",
                )
            value = parse_datetime(str(raw))
            return value[:10] if ftype == "date" else value
        raise malformed(f"unsupported value {raw}")

    def date_range(self, node: Tree, f: Any) -> tuple[str, str]:
        """[start, end) of a date literal, in the field's stored form."""
        if f.type not in {"date", "datetime"}:
            raise SFError(
                400,
                "INVALID_FIELD",
                f"value of filter criterion for field '{f.name}' must be of type {f.type}",
            )
        text = str(node.children[0]).upper()
        today = org_now().date()
        name, _, num = text.partition(":")
        n = int(num) if num else 0
        week0 = today - dt.timedelta(days=(today.weekday() + 1) % 7)
        month0 = today.replace(day=1)
        next_month0 = (month0 + dt.timedelta(days=32)).replace(day=1)
        prev_month0 = (month0 - dt.timedelta(days=1)).replace(day=1)
        year0 = today.replace(month=1, day=1)
        ranges = {
            "TODAY": (today, today + dt.timedelta(days=1)),
            "YESTERDAY": (today - dt.timedelta(days=1), today),
            "TOMORROW": (today + dt.timedelta(days=1), today + dt.timedelta(days=2)),
            "THIS_WEEK": (week0, week0 + dt.timedelta(days=7)),
            "LAST_WEEK": (week0 - dt.timedelta(days=7), week0),
            "NEXT_WEEK": (week0 + dt.timedelta(days=7), week0 + dt.timedelta(days=14)),
            "THIS_MONTH": (month0, next_month0),
            "LAST_MONTH": (prev_month0, month0),
            "NEXT_MONTH": (next_month0, (next_month0 + dt.timedelta(days=32)).replace(day=1)),
            "THIS_YEAR": (year0, year0.replace(year=year0.year + 1)),
            "LAST_YEAR": (year0.replace(year=year0.year - 1), year0),
            "NEXT_YEAR": (year0.replace(year=year0.year + 1), year0.replace(year=year0.year + 2)),
            "LAST_90_DAYS": (today - dt.timedelta(days=90), today + dt.timedelta(days=1)),
            "NEXT_90_DAYS": (today + dt.timedelta(days=1), today + dt.timedelta(days=91)),
            "LAST_N_DAYS": (today - dt.timedelta(days=n), today + dt.timedelta(days=1)),
            "NEXT_N_DAYS": (today + dt.timedelta(days=1), today + dt.timedelta(days=n + 1)),
            "N_DAYS_AGO": (today - dt.timedelta(days=n), today - dt.timedelta(days=n - 1)),
        }
        start, end = ranges[name]
        if f.type == "date":
            return start.isoformat(), end.isoformat()
        as_dt = lambda d: format_datetime(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC))  # noqa: E731
        return as_dt(start), as_dt(end)

    # -- conditions -----------------------------------------------------------------------------
    def cond(self, node: Tree) -> str:
        kind = node.data
        if kind == "or_":
            return f"({self.cond(node.children[0])} OR {self.cond(node.children[1])})"
        if kind == "and_":
            return f"({self.cond(node.children[0])} AND {self.cond(node.children[1])})"
        if kind == "not_":
            return f"(NOT COALESCE({self.cond(node.children[0])}, 0))"
        if kind == "in_subquery":
            raise malformed("semi-join subqueries are not supported by the sandbox org")
        expr, f, *_ = self.resolve(path_of(node.children[0]))
        if kind == "compare":
            op = OPS[str(node.children[1])]
            value_node = node.children[2]
            if value_node.data in {"date_literal", "date_n_literal"}:
                start, end = self.date_range(value_node, f)
                self.params += {
                    "=": [start, end],
                    "!=": [start, end],
                    "<": [start],
                    ">=": [start],
                    ">": [end],
                    "<=": [end],
                }[op]
                return {
                    "=": f"({expr} >= ? AND {expr} < ?)",
                    "!=": f"NOT ({expr} >= ? AND {expr} < ?)",
                    "<": f"{expr} < ?",
                    ">=": f"{expr} >= ?",
                    ">": f"{expr} >= ?",
                    "<=": f"{expr} < ?",
                }[op]
            value = self.literal(value_node, f)
            if value is None:
                if op not in {"=", "!="}:
                    raise malformed(f"invalid operator {op} with null")
                return f"{expr} IS {'NOT ' if op == '!=' else ''}NULL"
            self.params.append(value)
            if op == "!=":
                return f"({expr} != ? OR {expr} IS NULL)"
            return f"{expr} {op} ?"
        if kind == "like":
            value = self.literal(node.children[1], f)
            if not isinstance(value, str):
                raise SFError(
                    400, "INVALID_FIELD", f"invalid operator on field '{f.name}': LIKE needs a string"
                )
            self.params.append(value)
            return f"{expr} LIKE ? ESCAPE '\\'"
        if kind in {"in_", "not_in"}:
            values = [self.literal(v, f) for v in node.children[1:]]
            non_null = [v for v in values if v is not None]
            marks = ",".join("?" * len(non_null))
            self.params += non_null
            if kind == "in_":
                parts = [f"{expr} IN ({marks})"] if non_null else []
                if len(non_null) < len(values):
                    parts.append(f"{expr} IS NULL")
                return "(" + " OR ".join(parts) + ")"
            parts = [f"{expr} NOT IN ({marks})"] if non_null else []
            parts.append(f"{expr} IS NOT NULL" if len(non_null) < len(values) else "1")
            return "(" + " AND ".join(parts) + ")"
        raise malformed(f"unsupported condition {kind}")


def path_of(node: Tree) -> list[str]:
    return [str(t) for t in node.children]


def compile_query(org: Any, text: str, include_deleted: bool = False) -> Query:
    """Parse and check a SOQL statement against the org's metadata."""
    tree = parse(text)
    select_list, obj_tok = tree.children[0], tree.children[1]
    obj = org.registry.get(str(obj_tok))
    if obj is None or not obj.queryable:
        raise SFError(
            400,
            "INVALID_TYPE",
            f"sObject type '{obj_tok}' is not supported. If you are attempting to use a "
            "custom object, be sure to "
            "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
            "appropriate names.",
        )
    tr = _Translator(org, obj)
    selected: list[Selected] = []
    count_only = aggregate = False
    for item in select_list.children:
        if item.data == "subquery":
            raise malformed("parent-to-child subqueries are not supported by the sandbox org")
        if item.data == "count_expr":
            if item.children[0] is not None:
                tr.resolve(path_of(item.children[0]))
                aggregate = True
            else:
                count_only = True
            continue
        path = path_of(item)
        expr, f, alias, target, ref = tr.resolve(path)
        out_path = [f.name] if alias is None else [ref.relationship_name, f.name]
        selected.append(Selected(out_path, f, expr, alias, target, ref))
    if (count_only or aggregate) and (selected or len(select_list.children) > 1):
        raise malformed("COUNT() must be the only element in the SELECT list")
    where, order, limit, offset = "1", "t0.rowid", None, 0
    conds = []
    for clause in tree.children[2:]:
        if not isinstance(clause, Tree):
            continue
        if clause.data == "where_clause":
            conds.append(tr.cond(clause.children[0]))
        elif clause.data == "order_clause":
            parts = []
            for it in clause.children:
                expr, *_ = tr.resolve(path_of(it.children[0]))
                direction = str(it.children[1] or "ASC").upper()
                nulls = str(it.children[2] or "").upper().split()
                nulls_sql = f" NULLS {nulls[-1]}" if nulls else ""
                parts.append(f"{expr} {direction}{nulls_sql}")
            order = ", ".join(parts + ["t0.rowid"])
        elif clause.data == "limit_clause":
            limit = int(clause.children[0])
        elif clause.data == "offset_clause":
            offset = int(clause.children[0])
            if offset > 2000:
                raise SFError(400, "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
    if not include_deleted:
        conds.insert(0, "t0.IsDeleted = 0")
    where = " AND ".join(conds) or where
    from_sql = f"{q(obj.name)} t0"
    for alias, (_, target, ref) in tr.joins.items():
        from_sql += f" LEFT JOIN {q(target.name)} {alias} ON {alias}.Id = t0.{q(ref.name)}"
    return Query(
        org, obj, selected, from_sql, where, tr.params, order, limit, offset, count_only, aggregate, tr.joins
    )


def is_date(text: str) -> bool:
    return bool(DATE_RE.match(text))


__all__ = ["Query", "Token", "compile_query", "parse"]
