"""The hostile corpus: what anyone who can type into a tenant can put into every kind of source text.

With ``--corpus hostile`` (``sandbox.control.up(..., corpus="hostile")``) the simulator serves, through the
same API and as a tenant would, records whose text carries template code, live HTML, spreadsheet formulas,
backslashes and quotes, console markup, bidirectional controls, NUL characters and 10,000-character strings
(issue 18). The default corpus is untouched: every function here is applied only when
``Dataset.corpus == "hostile"``.

Where the values go (``KINDS``; record ``i`` of a kind is chosen by a stride, its value cycles through
``VALUES`` in order: the large kinds carry every value, the small lists the first ones, the worst first):
custom field names (extra custom field types on every custom-field endpoint, one per ``FIELD_NAMES`` entry,
with values on records), custom field values, customer and location names, technician names, job notes and
job summaries, attachment file names, zone names and SKU names (invoice items, standalone and nested).
"""

from __future__ import annotations

from typing import Any

DEFAULT, HOSTILE = "default", "hostile"
CORPORA = (DEFAULT, HOSTILE)

LONG = "A" * 4_990 + " 10k " + "Z" * 5_005  # exactly 10,000 characters

# name -> value; the order is the order small sets receive them (the findings of issue 18 first)
HOSTILE_VALUES: dict[str, str] = {
    "jinja_expression": "{{ env_var('SF_ACCESS_TOKEN','x') }}",
    "html_img": "<img src=x onerror=alert(1)>",
    "formula_hyperlink": '=HYPERLINK("http://evil.example/x")',
    "backslash": "O'Brien\\",
    "rich_markup": "Ops Notes [/] [bold]x",
    "jinja_statement": "{% set leak = env_var('SOURCES__DISPATCH_PRO__CLIENT_SECRET','unset') %}{{ leak }}",
    "script": "<script>alert(document.cookie)</script>",
    "formula_plus": "+1",
    "formula_minus": "-2",
    "formula_at": "@SUM(1+1)",
    "quotes": "\"double\" 'single' `back` ''; --",
    "rtl_marks": "\u202eexe.txt\u202c \u200fRTL\u200f",
    "nul": "before\x00after",
    "ten_thousand": LONG,
}
VALUES: tuple[str, ...] = tuple(HOSTILE_VALUES.values())

# the kinds of source text that carry them (what tests/sandbox_dispatch_pro/test_hostile.py checks)
KINDS = (
    "custom_field_name",
    "custom_field_value",
    "customer_name",
    "location_name",
    "technician_name",
    "note",
    "job_summary",
    "file_name",
    "zone_name",
    "sku_name",
)

# extra custom field types a tenant admin created, on every custom-field endpoint
FIELD_NAMES: tuple[str, ...] = (
    "Promo {{ env_var('SF_ACCESS_TOKEN','x') }}",
    "Ops Notes [/] [bold]x",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example/x")',
    'O\'Brien\\ "quoted"',
    "{% if true %}Block{% endif %}",
)
FIELD_ID_BASE = 990_000  # ids of the extra custom field types: FIELD_ID_BASE + list offset + position
FIELD_LISTS = {  # custom-field endpoint -> id offset
    "customer_custom_field_types": 100,
    "location_custom_field_types": 200,
    "job_custom_field_types": 300,
    "invoice_custom_field_types": 400,
}
RECORD_FIELDS = {  # record entity -> the custom-field list its values belong to
    "customers": "customer_custom_field_types",
    "locations": "location_custom_field_types",
    "jobs": "job_custom_field_types",
    "invoices": "invoice_custom_field_types",
}
SKU_ID_BASE = 180_000_001  # records.invoice_item: skuId = SKU_ID_BASE + catalog position


def value(i: int) -> str:
    """The hostile value for the ``i``-th chosen record of a kind."""
    return VALUES[i % len(VALUES)]


def field_types(list_key: str) -> list[dict[str, Any]]:
    """The extra custom field types of one custom-field endpoint (every data type is Text)."""
    offset = FIELD_LISTS[list_key]
    return [
        {
            "id": FIELD_ID_BASE + offset + k,
            "name": name,
            "dataType": "Text",
            "dataTypeOptions": None,
            "createdOn": "2024-02-29T12:00:00Z",
            "modifiedOn": "2024-02-29T12:00:00Z",
        }
        for k, name in enumerate(FIELD_NAMES)
    ]


def _custom_fields(list_key: str, i: int, fields: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A record's custom fields: every other record gets values for the hostile types, and every third
    record's first own value becomes hostile."""
    out = [dict(f) for f in fields or []]
    if out and i % 3 == 1:
        out[0]["value"] = value(i // 3)
    if i % 2 == 0:
        offset = FIELD_LISTS[list_key]
        for k, name in enumerate(FIELD_NAMES):
            out.append({"typeId": FIELD_ID_BASE + offset + k, "name": name, "value": value(i // 2 + k)})
    return out


def _sku(item: dict[str, Any]) -> dict[str, Any]:
    position = int(item.get("skuId") or SKU_ID_BASE) - SKU_ID_BASE  # 10 SKUs: each a hostile name
    return {**item, "skuName": value(position)}


def taint(key: str, i: int, record: dict[str, Any]) -> dict[str, Any]:
    """Record ``i`` of entity ``key`` with hostile text in the places a tenant's users type into."""
    rec = dict(record)
    if key in RECORD_FIELDS and "customFields" in rec:
        rec["customFields"] = _custom_fields(RECORD_FIELDS[key], i, rec.get("customFields"))
    if key == "customers" and i % 2 == 1:
        rec["name"] = value(i // 2)
    elif key == "locations" and i % 3 == 1:
        rec["name"] = value(i // 3)
    elif key == "technicians" or key == "zones":
        rec["name"] = value(i)
    elif key == "job_notes" and i % 2 == 0:
        rec["text"] = value(i // 2)
    elif key == "jobs" and i % 5 == 0:
        rec["summary"] = value(i // 5)
    elif key == "invoice_items":
        rec = _sku(rec)
    elif key == "invoices" and rec.get("items"):
        rec["items"] = [_sku(item) for item in rec["items"]]
    return rec


def taint_list(key: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A whole list endpoint's records, tainted, plus the extra custom field types where it has them."""
    out = [taint(key, i, r) for i, r in enumerate(records)]
    if key in FIELD_LISTS:
        out.extend(field_types(key))
    return out


def file_name(a: int, name: str) -> str:
    """Attachment ``a``'s file name: every other one is a hostile value with the original extension."""
    if a % 2:
        return name
    ext = name.rsplit(".", 1)[-1] if "." in name else "bin"
    return f"{value(a // 2)}.{ext}"
