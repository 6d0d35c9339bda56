"""The endpoints the Dispatch Pro source reads, and their raw table names (a contract with dbt)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_INITIAL_FROM = "2000-01-01T00:00:00Z"
LIST_PAGE_SIZE = 1000
ATTACHMENT_PAGE_SIZE = 200
DATASET_NAME = "raw_dispatch_pro"
PIPELINE_NAME = "dispatch_pro"

# Real ServiceTitan hosts; the simulator serves the same paths under its own base URL.
SERVICETITAN_BASE_URL = "https://api.servicetitan.io"
SERVICETITAN_TOKEN_URL = "https://auth.servicetitan.io/connect/token"


@dataclass(frozen=True)
class Endpoint:
    """One API endpoint landing in one raw table.

    kind "export": ``from``/``continueFrom`` paging, incremental on ``cursor`` (``modifiedOn``).
    kind "list": page/pageSize paging; incremental on ``cursor`` via ``cursor_param`` if set, else re-read.
    """

    table: str
    path: str  # relative to the base URL; ``{tenant}`` is filled in
    kind: str
    primary_key: str | tuple[str, ...] = "id"
    cursor: str | None = "modifiedOn"
    cursor_param: str | None = None
    extra_params: tuple[tuple[str, str], ...] = ()

    def url_path(self, tenant: str) -> str:
        return self.path.format(tenant=tenant)


def _export(table: str, module: str, name: str, **kw) -> Endpoint:
    return Endpoint(table, f"{module}/v2/tenant/{{tenant}}/export/{name}", "export", **kw)


def _list(table: str, module: str, name: str, **kw) -> Endpoint:
    kw.setdefault("cursor", None)
    return Endpoint(table, f"{module}/v2/tenant/{{tenant}}/{name}", "list", **kw)


ANY = (("active", "Any"),)

ENDPOINTS: tuple[Endpoint, ...] = (
    # crm
    _export("customers", "crm", "customers"),
    _export("customer_contacts", "crm", "customers/contacts"),
    _export("locations", "crm", "locations"),
    _export("location_contacts", "crm", "locations/contacts"),
    _list("customer_custom_field_types", "crm", "customers/custom-fields"),
    _list("location_custom_field_types", "crm", "locations/custom-fields"),
    # jpm (job_history is a custom resource: it has no modifiedOn and is flattened)
    _export("jobs", "jpm", "jobs"),
    _export("appointments", "jpm", "appointments"),
    _export("job_notes", "jpm", "job-notes"),
    _list("job_types", "jpm", "job-types", extra_params=ANY),
    _list("job_custom_field_types", "jpm", "jobs/custom-fields"),
    # dispatch
    _export("appointment_assignments", "dispatch", "appointment-assignments"),
    _list("technician_shifts", "dispatch", "technician-shifts", extra_params=ANY),
    _list("technician_skills", "dispatch", "technician-skills", extra_params=ANY),
    _list("zones", "dispatch", "zones", extra_params=ANY),
    # settings
    _export("technicians", "settings", "technicians"),
    _export("employees", "settings", "employees"),
    _export("business_units", "settings", "business-units"),
    # accounting
    _export("invoices", "accounting", "invoices"),
    _export("invoice_items", "accounting", "invoice-items"),
    _export("payments", "accounting", "payments"),
    _list("invoice_custom_field_types", "accounting", "invoices/custom-fields"),
    # forms (signatures live in submissions; attachments are a transformer over jobs)
    _list(
        "form_submissions", "forms", "submissions", cursor="submittedOn", cursor_param="submittedOnOrAfter"
    ),
    # Dispatch Pro additions
    Endpoint(
        "job_dispatch_metadata",
        "dispatch-pro/v1/tenant/{tenant}/export/job-dispatch-metadata",
        "export",
        "jobId",
    ),
    Endpoint("playbooks", "dispatch-pro/v1/tenant/{tenant}/playbooks", "list", cursor=None, extra_params=ANY),
    Endpoint(
        "dashboards", "dispatch-pro/v1/tenant/{tenant}/dashboards", "list", cursor=None, extra_params=ANY
    ),
)

JOB_HISTORY_PATH = "jpm/v2/tenant/{tenant}/export/job-history"
JOB_ATTACHMENTS_PATH = "forms/v2/tenant/{tenant}/jobs/{{resources.jobs.id}}/attachments"
ATTACHMENT_DOWNLOAD_PATH = "forms/v2/tenant/{tenant}/jobs/attachment/{id}"
EXPORT_FOLDER_TABLES = ("playbooks", "dashboards")

# flat tables (no nested lists, so no child tables): their pages go to dlt as Arrow tables (arrow_pages.py)
ARROW_TABLES: tuple[str, ...] = (
    "appointments",
    "appointment_assignments",
    "customer_contacts",
    "location_contacts",
    "invoice_items",
    "job_notes",
    "job_history",
    "job_dispatch_metadata",
)
# load files: parquet for the Arrow tables, jsonl for the rest (DuckDB loads jsonl ~2x faster than the
# default insert_values)
ARROW_FILE_FORMAT = "parquet"
ROWS_FILE_FORMAT = "jsonl"

# every raw table the source lands (child tables such as jobs__custom_fields come on top)
TABLES: tuple[str, ...] = (
    *(e.table for e in ENDPOINTS),
    "job_history",
    "job_attachments",
    "files",
)

# nested tables whose `value` lands as text, by resource: custom properties (`customFields[{typeId, name,
# value}]`, free text whatever they look like) and rule values that mix numbers, strings and flags
CUSTOM_FIELDS = (("custom_fields",),)
TEXT_VALUE_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "customers": CUSTOM_FIELDS,
    "locations": CUSTOM_FIELDS,
    "jobs": CUSTOM_FIELDS,
    "invoices": CUSTOM_FIELDS,
    "playbooks": (("conditions",),),
    "dashboards": (("reports", "filters"),),
}
