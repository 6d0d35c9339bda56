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


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def require_https(url: str, setting: str) -> str:
    """``url`` when it is an ``https://`` URL with a host; ``ValueError`` naming ``setting`` otherwise (a
    client secret and the tenant's data never travel in clear text)."""
    from urllib.parse import urlsplit

    parts = urlsplit(str(url).strip())
    # plain http only to this machine's loopback (a local stand-in or test double): nothing leaves the host
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if not (parts.scheme == "https" or loopback) or not parts.hostname:
        raise ValueError(f"{setting} must be an https:// URL with a host, not {str(url)[:80]!r}")
    return str(url).strip()


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


# `active` as the specs document it (ActiveRequestArg: True | Any | False). Where an endpoint has it and its
# default is "only active items", the source sends Any so inactive records migrate too (tap-service-titan
# PR #399 fixed the same gap). Export endpoints without the parameter (customers, locations, technicians, ...)
# return every record with its `active` flag; export/appointments defaults to all items. The per-endpoint
# list is checked against ../shared/reference/servicetitan-openapi by tests/extract/test_extract_spec.py.
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
    _export("appointments", "jpm", "appointments", extra_params=ANY),
    _export("job_notes", "jpm", "job-notes"),
    _list("job_types", "jpm", "job-types", extra_params=ANY),
    _list("job_custom_field_types", "jpm", "jobs/custom-fields"),
    # dispatch
    _export("appointment_assignments", "dispatch", "appointment-assignments", extra_params=ANY),
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
        "form_submissions",
        "forms",
        "submissions",
        cursor="submittedOn",
        cursor_param="submittedOnOrAfter",
        extra_params=ANY,
    ),
    # telecom: calls become Tasks (the spec's server is .../telecom, its paths start with /v2)
    _export("calls", "telecom", "calls"),
    # reporting: report categories (the reports with their fields and parameters are a transformer)
    _list("report_categories", "reporting", "report-categories"),
)

JOB_HISTORY_PATH = "jpm/v2/tenant/{tenant}/export/job-history"
JOB_ATTACHMENTS_PATH = "forms/v2/tenant/{tenant}/jobs/{{resources.jobs_pages.id}}/attachments"
ATTACHMENT_DOWNLOAD_PATH = "forms/v2/tenant/{tenant}/jobs/attachment/{id}"
REPORTS_PATH = "reporting/v2/tenant/{tenant}/report-category/{category}/reports"
REPORT_PATH = "reporting/v2/tenant/{tenant}/report-category/{category}/reports/{report}"

# What Dispatch Pro keeps outside ServiceTitan's public API: read from the customer's export folder
# (exports.py), table -> primary key. No API path is ever called for them.
EXPORT_FOLDER_TABLES: dict[str, str | tuple[str, ...]] = {
    "job_dispatch_metadata": "jobId",
    "playbooks": "id",
    "dashboards": "id",
}
# what each one holds, for the warning and the inventory when the folder does not have it
EXPORT_FOLDER_CONTENT: dict[str, str] = {
    "job_dispatch_metadata": "dispatch metadata per job (SLA due dates, auto-dispatch flag and optimizer "
    "score, technician locks, dispatch zone)",
    "playbooks": "playbooks (automation rules: triggers, conditions, actions, timers)",
    "dashboards": "dashboards and their report definitions",
}

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
    "calls",
)
# tables WITH child tables whose pages also go to dlt as Arrow tables, one per table of the record tree
# (arrow_tree.py). Their API pages come from a hidden resource ``<table>_pages`` (it pages the API and keeps
# the incremental state); the ``<table>`` transformer over it converts, and the transformers that need whole
# records (attachments over jobs, signatures over form submissions) read the same pages.
TREE_TABLES: tuple[str, ...] = ("customers", "locations", "jobs", "invoices", "payments", "form_submissions")
PAGES_SUFFIX = "_pages"
# load files: parquet for the Arrow tables, jsonl for the rest (DuckDB loads jsonl ~2x faster than the
# default insert_values)
ARROW_FILE_FORMAT = "parquet"
ROWS_FILE_FORMAT = "jsonl"

# every raw table the source lands (child tables such as jobs__custom_fields come on top)
TABLES: tuple[str, ...] = (
    *(e.table for e in ENDPOINTS),
    "job_history",
    "job_attachments",
    "reports",
    "files",
    "file_errors",
    *EXPORT_FOLDER_TABLES,
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
