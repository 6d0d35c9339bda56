"""A documented subset of Salesforce's formula language, evaluated over a text frame (one value per row).

Validation rules fire when their error condition is TRUE. Supported: field references, text and number
literals, TRUE/FALSE, ``ISBLANK``, ``ISPICKVAL``, ``LEN``, ``REGEX``, ``AND``/``OR``/``NOT``,
``&&``/``||``/``!`` and the comparisons ``= == <> != < > <= >=`` (numeric when either side is a
number). A blank field compared
with anything is not equal (Salesforce's "treat blank fields as blanks"). Anything else is refused with
``FormulaError`` and the rule is left to the org. Operators: https://help.salesforce.com/s/articleView?id=
sf.customize_functions.htm
"""

from __future__ import annotations

import re

import pandas as pd
from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from core.errors import Dp2sfError

GRAMMAR = r"""
?start: or_
?or_: and_ ("||" and_)*
?and_: not_ ("&&" not_)*
?not_: "!" not_ -> not_op
     | cmp
?cmp: atom (CMP atom)?
?atom: NAME "(" [or_ ("," or_)*] ")" -> call
     | NUMBER -> number
     | STRING -> string
     | NAME -> name
     | "(" or_ ")"
CMP: "==" | "<>" | "!=" | "<=" | ">=" | "=" | "<" | ">"
NAME: /[A-Za-z_][A-Za-z0-9_.]*/
NUMBER: /[0-9]+(\.[0-9]+)?/
STRING: /"([^"\\]|\\.)*"/ | /'([^'\\]|\\.)*'/
%import common.WS
%ignore WS
"""
_PARSER = Lark(GRAMMAR, parser="lalr")
FUNCTIONS = {"ISBLANK", "ISPICKVAL", "LEN", "REGEX", "AND", "OR", "NOT"}


class FormulaError(Dp2sfError, ValueError):
    """A formula outside the supported subset (the message names what)."""


def parse(formula: str) -> Tree:
    """The parse tree of ``formula``; raises FormulaError for anything outside the subset."""
    try:
        tree = _PARSER.parse(formula or "")
    except LarkError as exc:
        raise FormulaError(f"cannot parse {formula!r}: {str(exc).splitlines()[0]}") from None
    for node in tree.iter_subtrees():
        if node.data == "call" and str(node.children[0]).upper() not in FUNCTIONS:
            raise FormulaError(f"function {node.children[0]} is outside the supported subset")
    return tree


def _blank(s) -> pd.Series | bool:
    if isinstance(s, pd.Series):
        return s.isna() | (s.astype(str) == "")
    return s is None or s == ""


def _compare(op: str, left, right, index) -> pd.Series:
    numeric = any(isinstance(v, float) for v in (left, right))
    conv = (
        (lambda v: pd.to_numeric(v, errors="coerce") if isinstance(v, pd.Series) else v) if numeric else None
    )
    a, b = (conv(left), conv(right)) if conv else (left, right)
    a = a if isinstance(a, pd.Series) else pd.Series([a] * len(index), index=index)
    b = b if isinstance(b, pd.Series) else pd.Series([b] * len(index), index=index)
    valid = a.notna() & b.notna()
    ops = {"=": "eq", "==": "eq", "<>": "ne", "!=": "ne", "<": "lt", ">": "gt", "<=": "le", ">=": "ge"}
    out = pd.Series(False, index=index)
    if valid.any():
        out[valid] = getattr(a[valid], ops[op])(b[valid]).astype(bool)
    return out


def _bool(v, index) -> pd.Series:
    if isinstance(v, pd.Series):
        return v.fillna(False).astype(bool)
    return pd.Series(bool(v), index=index)


def _eval(node, df: pd.DataFrame):
    idx = df.index
    if isinstance(node, Token):
        raise FormulaError(f"unexpected token {node}")
    kind, kids = node.data, node.children
    if kind == "number":
        return float(kids[0])
    if kind == "string":
        return bytes(str(kids[0])[1:-1], "utf-8").decode("unicode_escape")
    if kind == "name":
        name = str(kids[0])
        if name.upper() in ("TRUE", "FALSE"):
            return name.upper() == "TRUE"
        if name not in df.columns:
            return pd.Series(None, index=idx, dtype=object)  # a field the mart does not send is blank
        return df[name]
    if kind == "not_op":
        return ~_bool(_eval(kids[0], df), idx)
    if kind == "or_":
        out = pd.Series(False, index=idx)
        for k in kids:
            out |= _bool(_eval(k, df), idx)
        return out
    if kind == "and_":
        out = pd.Series(True, index=idx)
        for k in kids:
            out &= _bool(_eval(k, df), idx)
        return out
    if kind == "cmp":
        return _compare(str(kids[1]), _eval(kids[0], df), _eval(kids[2], df), idx)
    if kind == "call":
        fn, args = str(kids[0]).upper(), [a for a in kids[1:] if a is not None]
        vals = [_eval(a, df) for a in args]
        if fn == "ISBLANK":
            return _bool(_blank(vals[0]), idx)
        if fn == "ISPICKVAL":
            return _compare("=", vals[0], vals[1], idx)
        if fn == "LEN":
            v = vals[0]
            return v.str.len().fillna(0).astype(float) if isinstance(v, pd.Series) else float(len(v or ""))
        if fn == "REGEX":  # Salesforce's REGEX matches the whole text; a blank text does not match
            pattern = re.compile(vals[1])
            v = vals[0]
            return v.map(lambda s: isinstance(s, str) and bool(pattern.fullmatch(s))).astype(bool)
        if fn in ("AND", "OR"):
            tree = Tree("and_" if fn == "AND" else "or_", args)
            return _eval(tree, df)
        if fn == "NOT":
            return ~_bool(vals[0], idx)
    raise FormulaError(f"unsupported expression {kind}")


def evaluate(formula: str, df: pd.DataFrame) -> pd.Series:
    """TRUE where the error condition holds (the row breaks the rule), as a boolean Series."""
    return _bool(_eval(parse(formula), df), df.index)
