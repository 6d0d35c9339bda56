"""The Salesforce field list of the mapping, read from the dbt seeds (the one place it is kept).

``seeds/salesforce_objects.csv`` lists the objects, ``seeds/salesforce_fields.csv`` the fields each mart
writes, and ``seeds/custom_fields.csv`` the custom properties (jobs, customers, locations) that become custom
fields. The marts' contracts (``models/marts/<Object>.yml``), the quarantine rules (dbt macros) and the
custom-field manifest (``dp2sf inventory``) all derive from these seeds.

Loader contract: a mart column named ``Rel.Dispatch_Pro_Id__c`` is a relationship column (the lookup resolved
by the parent's external id); a column whose name starts with ``_`` is a helper for the loader and is never
sent to Salesforce as a field.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import Dp2sfError
from core.ids import EXTERNAL_ID
from core.settings import PROJECT_DIR

DBT_DIR = PROJECT_DIR / "dbt_project"


def mart_column(field_name: str, field_type: str) -> str:
    """A field's mart column (the rule of the dbt macro ``mart_column``): a lookup becomes the relationship
    column the parent's external id resolves (``AccountId`` → ``Account.Dispatch_Pro_Id__c``, ``Case__c`` →
    ``Case__r.Dispatch_Pro_Id__c``); every other field, a helper included, keeps its name."""
    if field_type not in LOOKUP_TYPES:
        return field_name
    if field_name.endswith("__c"):
        return f"{field_name[:-3]}__r.{EXTERNAL_ID}"
    if field_name.endswith("Id"):
        return f"{field_name[:-2]}.{EXTERNAL_ID}"
    return f"{field_name}.{EXTERNAL_ID}"


TYPES_SEED = DBT_DIR / "seeds" / "salesforce_types.csv"


def _load_types(path: Path = TYPES_SEED) -> list[dict[str, str]]:
    """The field types (seeds/salesforce_types.csv), the one list Python and the dbt macros read."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


_TYPES = _load_types()
TEXT_TYPES = {t["type"] for t in _TYPES if t["text"] == "true"}
LOOKUP_TYPES = {t["type"] for t in _TYPES if t["lookup"] == "true"}
DUCKDB_TYPES = {t["type"]: t["duckdb_type"] for t in _TYPES}
# manifest (Metadata API) type -> the describe types that can hold it (schema check)
DESCRIBE_TYPES = {t["type"]: set(filter(None, t["describe_types"].split("|"))) for t in _TYPES}
KNOWN_TYPES = set(DUCKDB_TYPES)
# lookups to objects the workbench does not write: the loader resolves them (User by email), no mart column
LOADER_RESOLVED_TARGETS = {"User"}


# Account fields only a person account takes (issue 20 §3; SOAP API guide "Person Account Record Types",
# https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_guidelines_personaccounts.htm):
# FirstName/LastName/Salutation, the Person* contact fields, and custom Contact fields mirrored as ``X__pc``.
# A plain org has none of them: on marts built without Person Accounts these columns stay empty and are
# neither sent, nor read back, nor checked (``person_only`` is the one rule every stage applies).
PERSON_NAME_FIELDS = frozenset({"FirstName", "LastName", "Salutation", "MiddleName", "Suffix"})


def person_only(object_name: str, field_name: str) -> bool:
    """Whether ``object_name.field_name`` exists only where the org has Person Accounts."""
    if object_name != "Account":
        return False
    return field_name in PERSON_NAME_FIELDS or field_name.startswith("Person") or field_name.endswith("__pc")


def shape_columns(object_name: str, columns: list[str], person_accounts: bool) -> list[str]:
    """A mart's columns for the org shape it was built for: without Person Accounts, no person-only column."""
    if person_accounts:
        return list(columns)
    return [c for c in columns if not person_only(object_name, c)]


class FieldListError(Dp2sfError, ValueError):
    """A seed row of the field list is invalid (the message names the file, line and column)."""


@dataclass(frozen=True)
class SfObject:
    """One Salesforce object the mapping writes."""

    name: str
    label: str
    plural_label: str
    custom: bool
    name_field_label: str
    name_field_type: str
    name_display_format: str
    sharing_model: str
    enabled_when: str
    description: str

    def enabled(self, invoices: str = "custom") -> bool:
        """Whether the object is part of the load for the given ``invoices`` mode."""
        return self.enabled_when == "always" or self.enabled_when == f"invoices={invoices}"


@dataclass(frozen=True)
class SfField:
    """One field of a mart: what Salesforce needs to hold it and where its value comes from."""

    object: str
    name: str
    label: str
    type: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    required: bool = False
    external_id: bool = False
    unique: bool = False
    reference_to: str = ""
    relationship_name: str = ""
    delete_constraint: str = ""
    picklist: str = ""
    source_column: str = ""
    data_type: str = ""
    description: str = ""
    source_name: str = ""  # the Dispatch Pro custom property, for custom_fields rows
    picklist_values: tuple[str, ...] = field(default=())

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    @property
    def helper(self) -> bool:
        return self.type == "Helper"

    @property
    def loader_resolved(self) -> bool:
        """A lookup the loader resolves itself (e.g. to a User by email): in the manifest, not in the mart."""
        return self.type in LOOKUP_TYPES and self.reference_to in LOADER_RESOLVED_TARGETS

    @property
    def mart_column(self) -> str:
        """The mart column: lookups become relationship columns resolved by the parent's external id."""
        return mart_column(self.name, self.type)

    @property
    def duckdb_type(self) -> str:
        """The seed's ``data_type`` when set (helpers; fields the org types ``int``), else by type."""
        if self.data_type:
            return self.data_type
        return "varchar" if self.helper else DUCKDB_TYPES.get(self.type, "varchar")


@dataclass
class FieldList:
    """Objects and fields of the mapping, in seed order."""

    objects: dict[str, SfObject]
    fields: list[SfField]

    def fields_of(self, object_name: str) -> list[SfField]:
        return [f for f in self.fields if f.object == object_name]

    def mart_fields(self, object_name: str) -> list[SfField]:
        """The columns of the object's mart (loader-resolved lookups excluded)."""
        return [f for f in self.fields_of(object_name) if not f.loader_resolved]

    def enabled_objects(self, invoices: str = "custom") -> list[SfObject]:
        return [o for o in self.objects.values() if o.enabled(invoices)]


def _bool(value: str, where: str) -> bool:
    text = (value or "").strip().lower()
    if text in ("true", "false", ""):
        return text == "true"
    raise FieldListError(f"{where}: expected true or false, got {value!r}")


def _int(value: str, where: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise FieldListError(f"{where}: expected a whole number, got {value!r}") from None


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise FieldListError(f"{path}: seed file missing")
    with path.open(newline="", encoding="utf-8") as handle:
        return [(i + 2, row) for i, row in enumerate(csv.DictReader(handle))]


def seed_column_values(seeds_dir: Path, spec: str) -> tuple[str, ...]:
    """Distinct non-empty values of ``seed.column`` in seed order (a picklist kept in a value-map seed)."""
    seed, _, column = spec.partition(".")
    values: list[str] = []
    for line, row in _read(seeds_dir / f"{seed}.csv"):
        if column not in row:
            raise FieldListError(f"{seeds_dir / (seed + '.csv')}:{line}: no column {column!r}")
        value = (row[column] or "").strip()
        if value and value not in values:
            values.append(value)
    return tuple(values)


def _picklist_values(seeds_dir: Path, picklist: str, where: str) -> tuple[str, ...]:
    if not picklist:
        return ()
    if picklist.startswith("seed:"):
        return seed_column_values(seeds_dir, picklist[5:])
    if picklist.startswith("values:"):
        return tuple(v.strip() for v in picklist[7:].split("|") if v.strip())
    raise FieldListError(f"{where}: picklist must start with 'seed:' or 'values:', got {picklist!r}")


def load_field_list(dbt_dir: Path = DBT_DIR) -> FieldList:
    """Read and validate the three seeds; a bad row raises ``FieldListError`` naming file, line and column."""
    seeds = dbt_dir / "seeds"
    objects: dict[str, SfObject] = {}
    for line, row in _read(seeds / "salesforce_objects.csv"):
        where = f"{seeds / 'salesforce_objects.csv'}:{line}"
        objects[row["object"]] = SfObject(
            name=row["object"],
            label=row["label"],
            plural_label=row["plural_label"],
            custom=_bool(row["custom"], f"{where} custom"),
            name_field_label=row["name_field_label"] or "",
            name_field_type=row["name_field_type"] or "",
            name_display_format=row["name_display_format"] or "",
            sharing_model=row["sharing_model"] or "",
            enabled_when=row["enabled_when"] or "always",
            description=row["description"] or "",
        )
    fields: list[SfField] = []
    for line, row in _read(seeds / "salesforce_fields.csv"):
        where = f"{seeds / 'salesforce_fields.csv'}:{line}"
        fields.append(_field(row, where, seeds, objects))
    for line, row in _read(seeds / "custom_fields.csv"):
        where = f"{seeds / 'custom_fields.csv'}:{line}"
        values = (row.get("picklist_values") or "").strip()
        fields.append(
            _field(
                {
                    "object": row["object"],
                    "field": row["api_name"],
                    "label": row["label"],
                    "type": row["type"],
                    "length": row["length"],
                    "precision": row["precision"],
                    "scale": row["scale"],
                    "picklist": f"values:{values}" if values else "",
                    "source_column": f"_src__{row['api_name']}",
                    "description": row.get("description") or "",
                    "source_name": f"{row['source_entity']}.{row['source_name']}",
                },
                where,
                seeds,
                objects,
            )
        )
    return FieldList(objects=objects, fields=fields)


def _field(row: dict[str, str], where: str, seeds: Path, objects: dict[str, SfObject]) -> SfField:
    if row["object"] not in objects:
        raise FieldListError(f"{where} object: {row['object']!r} is not in salesforce_objects.csv")
    if row["type"] not in KNOWN_TYPES:
        raise FieldListError(f"{where} type: unknown field type {row['type']!r} for {row['field']}")
    target = row.get("reference_to", "")
    if row["type"] in LOOKUP_TYPES and target not in objects and target not in LOADER_RESOLVED_TARGETS:
        raise FieldListError(f"{where} reference_to: {row['field']} must name an object of the mapping")
    return SfField(
        object=row["object"],
        name=row["field"],
        label=row.get("label") or row["field"],
        type=row["type"],
        length=_int(row.get("length", ""), f"{where} length"),
        precision=_int(row.get("precision", ""), f"{where} precision"),
        scale=_int(row.get("scale", ""), f"{where} scale"),
        required=_bool(row.get("required", ""), f"{where} required"),
        external_id=_bool(row.get("external_id", ""), f"{where} external_id"),
        unique=_bool(row.get("unique", ""), f"{where} unique"),
        reference_to=row.get("reference_to") or "",
        relationship_name=row.get("relationship_name") or "",
        delete_constraint=row.get("delete_constraint") or "",
        picklist=row.get("picklist") or "",
        source_column=row.get("source_column") or "",
        data_type=row.get("data_type") or "",
        description=row.get("description") or "",
        source_name=row.get("source_name") or "",
        picklist_values=_picklist_values(seeds, row.get("picklist") or "", f"{where} picklist"),
    )
