"""Validation rules: a documented subset of Salesforce's formula language, parsed at deploy, evaluated on
every insert and update.

The subset (operators and functions of Salesforce's formula language; a rule blocks the save when its
condition is TRUE: https://focusonforce.com/configuration/creating-validation-rule-formulas-a-quick-tutorial/,
function list http://theblogreaders.com/validation-rules-and-formulas-in-salesforce/): field references on
the record
itself, text/number/TRUE/FALSE/NULL literals, ``+ - * / &``, ``= == != <> < > <= >=``, ``&& || !``, and the
functions ``AND``, ``OR``, ``NOT``, ``ISBLANK``, ``ISNULL``, ``ISPICKVAL``, ``LEN``, ``REGEX``, ``BEGINS``,
``CONTAINS``, ``TEXT``, ``IF``. Anything else (relationship paths, ``ISCHANGED``, ``PRIORVALUE``, ``$User``,
...) is refused at deploy with a message naming it, never accepted and silently ignored.

A rule whose condition evaluates to true blocks the save with ``FIELD_CUSTOM_VALIDATION_EXCEPTION`` and the
rule's error message (fields: the error display field, if any), as Salesforce answers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sandbox.salesforce.errors import RecordError

FUNCTIONS = {
    "AND": (1, None),
    "OR": (1, None),
    "NOT": (1, 1),
    "ISBLANK": (1, 1),
    "ISNULL": (1, 1),
    "ISPICKVAL": (2, 2),
    "LEN": (1, 1),
    "REGEX": (2, 2),
    "BEGINS": (2, 2),
    "CONTAINS": (2, 2),
    "TEXT": (1, 1),
    "IF": (3, 3),
}
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?)
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>&&|\|\||==|!=|<>|<=|>=|[-+*/&=<>!(),])
      | (?P<name>[$A-Za-z_][A-Za-z0-9_.$]*)
    )""",
    re.VERBOSE,
)
_BINARY = {
    "||": 1,
    "&&": 2,
    "=": 3,
    "==": 3,
    "!=": 3,
    "<>": 3,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "&": 5,
    "*": 6,
    "/": 6,
}


class FormulaError(ValueError):
    """A formula outside the supported subset, or not a formula at all."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FormulaError(f"unexpected character {text[pos:].strip()[:1]!r} at position {pos}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, fields: dict[str, str]) -> None:
        self.toks, self.i, self.fields = _tokens(text), 0, fields

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise FormulaError(
                f"expected {value or 'a value'} but the formula "
                + ("ends" if tok is None else f"has {tok[1]!r}")
            )
        self.i += 1
        return tok

    def parse(self) -> tuple:
        node = self.expr(0)
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def expr(self, min_prec: int) -> tuple:
        left = self.unary()
        while (tok := self.peek()) and tok[0] == "op" and _BINARY.get(tok[1], 0) > min_prec:
            op = self.take()[1]
            left = ("bin", op, left, self.expr(_BINARY[op]))
        return left

    def unary(self) -> tuple:
        tok = self.peek()
        if tok and tok[1] in ("!", "-"):
            self.take()
            return ("not", self.unary()) if tok[1] == "!" else ("bin", "-", ("lit", 0), self.unary())
        return self.atom()

    def atom(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "str":
            return ("lit", bytes(value[1:-1], "utf-8").decode("unicode_escape"))
        if value == "(":
            node = self.expr(0)
            self.take(")")
            return node
        if kind != "name":
            raise FormulaError(f"unexpected {value!r}")
        upper = value.upper()
        if upper in ("TRUE", "FALSE"):
            return ("lit", upper == "TRUE")
        if upper == "NULL":
            return ("lit", None)
        if (tok := self.peek()) and tok[1] == "(":
            return self.call(upper)
        if "." in value or value.startswith("$"):
            raise FormulaError(
                f"{value}: cross-object and global references are not supported by the sandbox org"
            )
        if value.lower() not in self.fields:
            raise FormulaError(f"Field {value} does not exist. Check spelling.")
        return ("field", self.fields[value.lower()])  # type: ignore[index]

    def call(self, name: str) -> tuple:
        if name not in FUNCTIONS:
            raise FormulaError(
                f"function {name} is not supported by the sandbox org "
                f"(supported: {', '.join(sorted(FUNCTIONS))})"
            )
        self.take("(")
        args: list[tuple] = []
        if (tok := self.peek()) and tok[1] != ")":
            args.append(self.expr(0))
            while (tok := self.peek()) and tok[1] == ",":
                self.take()
                args.append(self.expr(0))
        self.take(")")
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            raise FormulaError(f"Incorrect number of parameters for function '{name}()'")
        return ("call", name, args)


@lru_cache(maxsize=256)
def _parse_cached(text: str, fields: tuple[tuple[str, str], ...]) -> tuple:
    return _Parser(text, dict(fields)).parse()  # type: ignore[arg-type]


def parse(text: str, obj: Any) -> tuple:
    """The formula's syntax tree; FormulaError when it is outside the subset or names unknown fields."""
    if not text or not text.strip():
        raise FormulaError("the error condition formula is empty")
    fields = tuple(sorted((f.name.lower(), f.name) for f in obj.fields.values()))
    return _parse_cached(text, fields)


def _blank(v: Any) -> bool:
    return v is None or v == ""


def _eval(node: tuple, rec: dict[str, Any], types: dict[str, str]) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "field":
        v = rec.get(node[1])
        return bool(v) if types.get(node[1]) == "boolean" and v is not None else v
    if kind == "not":
        return not _eval(node[1], rec, types)
    if kind == "bin":
        return _binary(node[1], _eval(node[2], rec, types), lambda: _eval(node[3], rec, types))
    name, args = node[1], node[2]
    if name == "AND":
        return all(_eval(a, rec, types) for a in args)
    if name == "OR":
        return any(_eval(a, rec, types) for a in args)
    if name == "IF":
        return _eval(args[1] if _eval(args[0], rec, types) else args[2], rec, types)
    vals = [_eval(a, rec, types) for a in args]
    if name == "NOT":
        return not vals[0]
    if name in ("ISBLANK", "ISNULL"):
        return _blank(vals[0])
    if name == "ISPICKVAL":
        return (vals[0] or "") == (vals[1] or "")
    if name == "LEN":
        return len(str(vals[0])) if vals[0] is not None else 0
    if name == "REGEX":  # Java's Matcher.matches(): the whole text must match
        return re.fullmatch(str(vals[1] or ""), str(vals[0] or "")) is not None
    if name == "BEGINS":
        return str(vals[0] or "").startswith(str(vals[1] or ""))
    if name == "CONTAINS":
        return str(vals[1] or "") in str(vals[0] or "")
    if name == "TEXT":
        return "" if vals[0] is None else str(vals[0])
    raise FormulaError(f"function {name} is not supported")


def _binary(op: str, left: Any, right_thunk: Any) -> Any:
    if op == "&&":
        return bool(left) and bool(right_thunk())
    if op == "||":
        return bool(left) or bool(right_thunk())
    right = right_thunk()
    if op == "&":
        return ("" if left is None else str(left)) + ("" if right is None else str(right))
    if op in ("=", "=="):
        return (left if not _blank(left) else None) == (right if not _blank(right) else None)
    if op in ("!=", "<>"):
        return (left if not _blank(left) else None) != (right if not _blank(right) else None)
    if left is None or right is None:
        return None if op in "+-*/" else False
    try:
        if op == "<":
            return left < right
        if op == ">":
            return left > right
        if op == "<=":
            return left <= right
        if op == ">=":
            return left >= right
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if op == "/":
            return left / right if right else None
    except TypeError:
        return False
    raise FormulaError(f"operator {op} is not supported")


def compile_rule(obj: Any, name: str, body: dict) -> dict:
    """A deployed ValidationRule as the org keeps it; FormulaError when its formula is outside the subset."""
    formula = str(body.get("errorConditionFormula") or "")
    parse(formula, obj)
    message = str(body.get("errorMessage") or "")
    if not message:
        raise FormulaError("a validation rule needs an <errorMessage>")
    display = body.get("errorDisplayField") or None
    if display and obj.field(display) is None:
        raise FormulaError(f"<errorDisplayField> {display} is not a field of {obj.name}")
    return {
        "name": name,
        "active": str(body.get("active", "true")).lower() == "true",
        "formula": formula,
        "message": message,
        "field": obj.field(display).name if display else None,
    }


def evaluate_rules(obj: Any, rules: list[dict], values: dict[str, Any]) -> RecordError | None:
    """The error of the first active rule whose condition holds for ``values`` (the record after the save)."""
    types = {f.name: f.type for f in obj.fields.values()}
    for rule in rules:
        if not rule.get("active"):
            continue
        if _eval(parse(rule["formula"], obj), values, types):
            return RecordError(
                "FIELD_CUSTOM_VALIDATION_EXCEPTION", rule["message"], [rule["field"]] if rule["field"] else []
            )
    return None
