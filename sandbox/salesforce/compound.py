"""Compound fields: addresses and geolocations read as one structured value.

"Compound fields are accessible as a single, structured field, or as individual component fields ...
Compound fields are read-only" and "Address compound fields are available in the SOAP and REST APIs in API
version 30.0 and later" (Object Reference, Compound Fields:
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/compound_fields.htm;
Address Compound Fields:
https://developer.salesforce.com/docs/platform/object-reference/guide/compound-fields-address.html).
The org stores only the component columns; REST GET and SOQL build the structured value from them, ``null``
when every component is empty. Bulk API queries refuse compound fields, as Salesforce does.
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.store import q

COMPOUND_TYPES = {"address", "location"}


def components(obj: Any, f: Any) -> list[tuple[str, Any]]:
    """(JSON key, component FieldDef) of a compound field, e.g. ``("city", BillingCity)``."""
    out = []
    prefix = f.name[: -len("Address")] if f.type == "address" and f.name.endswith("Address") else ""
    for c in obj.fields.values():
        if c.compound_field_name != f.name or c.name == f.name:
            continue
        if f.type == "location":  # Geo__Latitude__s -> latitude
            suffix = c.name.rsplit("__", 2)[-2] if c.name.endswith("__s") else c.name
        else:
            suffix = c.name[len(prefix) :]
        out.append((suffix[:1].lower() + suffix[1:], c))
    return sorted(out)


def value(obj: Any, f: Any, rec: dict[str, Any]) -> dict[str, Any] | None:
    """The structured value of compound ``f`` from a stored row (None when all components are empty)."""
    from sandbox.salesforce.values import to_json_value

    parts = {key: to_json_value(c.type, rec.get(c.name)) for key, c in components(obj, f)}
    return parts if any(v is not None for v in parts.values()) else None


def sql(obj: Any, f: Any, alias: str) -> str:
    """A SQLite expression giving the compound value as JSON text (NULL when all components are empty)."""
    comps = components(obj, f)
    if not comps:
        return "NULL"
    cols = [f"{alias}.{q(c.name)}" for _, c in comps]
    pairs = ", ".join(f"'{key}', {col}" for (key, _), col in zip(comps, cols, strict=True))
    return f"CASE WHEN COALESCE({', '.join(cols)}) IS NULL THEN NULL ELSE json_object({pairs}) END"
