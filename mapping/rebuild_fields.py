"""Dispatch Pro object and field names → the Salesforce object and field the migrated data lives in.

Used by the rebuild reference: a playbook condition on ``Job.priority`` is rebuilt on ``Case.Priority``. The
answer comes from the mapping itself where it can: the lineage (``build/lineage.csv``, raw column → mart
field, written by ``dp2sf transform``) and the value-map seeds (``map_job_status.csv``,
``map_job_priority.csv``); a short table of defaults covers names the lineage does not hold (fields of
objects that are not migrated as such); anything else is reported ``unmapped`` for a person to decide.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

# Dispatch Pro object → (Salesforce object, raw tables whose columns feed it)
OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Job": ("Case", ("jobs", "job_dispatch_metadata")),
    "Appointment": ("Event", ("appointments", "appointment_assignments")),
    "Invoice": ("Invoice__c", ("invoices",)),
    "Payment": ("Invoice__c", ("payments",)),  # payments land as amounts and status on the invoice record
    "Customer": ("Account", ("customers",)),
    "Technician": ("User", ("technicians",)),
}
# names the lineage does not resolve: (Dispatch Pro object, field) → (Salesforce field, note)
DEFAULTS: dict[tuple[str, str], tuple[str, str]] = {
    ("Job", "technician"): ("OwnerId", "the primary technician is the Case owner"),
    ("Job", "businessUnit"): ("Business_Unit__c", ""),
    ("Job", "jobType.class"): (
        "Job_Type__c",
        "the job type's class is not migrated: filter on the job types",
    ),
    ("Job", "statusChangedOn"): ("LastModifiedDate", "no status-change time on Case: trigger on the change"),
    ("Job", "active"): ("IsClosed", "an open job is a Case with IsClosed = false"),
    ("Appointment", "technician"): ("OwnerId", "the technician owns the Event"),
    ("Appointment", "status"): ("Appointment_Status__c", ""),
    ("Appointment", "avgDuration"): ("DurationInMinutes", "average of the Event's duration"),
    ("Invoice", "customer"): ("Account__c", ""),
    ("Invoice", "technician"): ("Case__r.OwnerId", "the technician of the invoiced job"),
    ("Invoice", "referenceNumber"): ("Name", ""),
    ("Invoice", "agingBucket"): ("", "no aging bucket field: add a formula or bucket field on Due_Date__c"),
    ("Invoice", "total"): ("Total__c", ""),
    ("Invoice", "balance"): ("Balance__c", ""),
    ("Payment", "type"): ("Payment_Status__c", "payment types are not kept per payment: status only"),
    ("Payment", "total"): ("Amount_Paid__c", ""),
}
# booleans whose Salesforce field says the opposite (an active job is a Case that is not closed)
INVERTED = {("Job", "active")}
# Salesforce field → (seed, source column, target column): value maps the marts apply
VALUE_MAPS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("Case", "Status"): ("map_job_status.csv", "source_status", "case_status"),
    ("Case", "Priority"): ("map_job_priority.csv", "source_priority", "case_priority"),
}
# a mart field holding the original value (exact filter on migrated records)
ORIGINAL_VALUE: dict[tuple[str, str], str] = {
    ("Case", "Status"): "Dispatch_Pro_Status__c",
    ("Case", "Priority"): "Dispatch_Pro_Priority__c",
}
DIRECT = ("direct", "cast", "value-mapped", "renamed")


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace(".", "__").lower()


@dataclass(frozen=True)
class Resolved:
    object: str  # Salesforce object
    field: str  # Salesforce field ('' when unmapped)
    how: str  # lineage | default | unmapped
    note: str = ""


class FieldResolver:
    """Resolves Dispatch Pro names through the lineage, the seeds and :data:`DEFAULTS`."""

    def __init__(self, lineage_csv: Path | None, seeds_dir: Path | None) -> None:
        self.lineage: list[dict] = []
        if lineage_csv and Path(lineage_csv).is_file():
            with open(lineage_csv, encoding="utf-8", newline="") as fh:
                self.lineage = list(csv.DictReader(fh))
        self.seeds_dir = seeds_dir

    def sf_object(self, dp_object: str) -> str:
        return OBJECTS.get(dp_object, ("", ()))[0]

    def field(self, dp_object: str, name: str) -> Resolved:
        sf_object, tables = OBJECTS.get(dp_object, ("", ()))
        if not sf_object:
            return Resolved("", "", "unmapped", f"{dp_object} is not migrated as a Salesforce object")
        if (dp_object, name) in DEFAULTS:
            sf_field, note = DEFAULTS[(dp_object, name)]
            return Resolved(sf_object, sf_field, "default" if sf_field else "unmapped", note)
        column = snake(name)
        hits = [
            r
            for r in self.lineage
            if r["object"] == sf_object and r["source_table"] in tables and r["source_column"] == column
        ]
        hits.sort(  # the live standard field the value map feeds first, then direct copies, standard fields
            key=lambda r: (
                (sf_object, r["field"]) not in VALUE_MAPS,
                r["transformation"] not in DIRECT,
                r["field"].startswith("_"),
                r["field"].endswith("__c"),
            )
        )
        if hits and not hits[0]["field"].startswith("_"):
            return Resolved(sf_object, hits[0]["field"], "lineage", f"lineage: {hits[0]['transformation']}")
        return Resolved(
            sf_object, "", "unmapped", f"no mart field for {dp_object}.{name}: decide in the rebuild"
        )

    def boolean(self, dp_object: str, name: str, value):
        """A boolean filter value as the Salesforce field reads it (inverted where :data:`INVERTED`)."""
        if (dp_object, name) not in INVERTED:
            return value
        truth = str(value).strip().lower() in ("true", "1", "yes")
        return "false" if truth else "true"

    def value_map(self, sf_object: str, sf_field: str) -> dict[str, str]:
        """Source value → Salesforce value for a value-mapped field (empty when the field is not mapped)."""
        spec = VALUE_MAPS.get((sf_object, sf_field))
        if not spec or not self.seeds_dir or not (Path(self.seeds_dir) / spec[0]).is_file():
            return {}
        with open(Path(self.seeds_dir) / spec[0], encoding="utf-8", newline="") as fh:
            return {r[spec[1]]: r[spec[2]] for r in csv.DictReader(fh)}

    def map_values(self, sf_object: str, sf_field: str, values: list) -> tuple[list, str]:
        """The Salesforce values for source ``values``, and a note when the mapped set is broader."""
        table = self.value_map(sf_object, sf_field)
        if not table:
            return values, ""
        mapped = sorted({table.get(str(v), str(v)) for v in values})
        wider = sorted(k for k, v in table.items() if v in mapped and k not in {str(x) for x in values})
        if not wider:
            return mapped, ""
        exact = ORIGINAL_VALUE.get((sf_object, sf_field))
        return mapped, (
            f"{sf_field} {mapped} also matches {wider} (the value map merges levels); for the exact rule "
            f"filter on {exact}, which migrated records keep and new records must set"
        )
