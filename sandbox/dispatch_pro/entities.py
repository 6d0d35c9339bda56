"""The registry of served entities: raw table name, URL, paging kind, how to count and build records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from . import catalog as cat
from . import hostile
from . import records as rec
from . import records_automation as auto
from . import records_forms as forms
from . import records_settings as sets
from . import records_telecom as tel
from .dataset import Dataset

Builder = Callable[[Dataset, int], dict[str, Any]]
Whole = Callable[[Dataset], list[dict[str, Any]]]


@dataclass(frozen=True)
class Entity:
    """One endpoint's records. ``build`` makes one record on demand; ``whole`` builds a small set at once."""

    key: str  # raw table name (the dlt source's contract)
    kind: str  # export | list
    module: str  # crm, jpm, ..., dispatch-pro
    path: str  # under /{module}/v2/tenant/{tenant}/
    code: int = 0  # entity code: ids, PRNG seeds and the overlay key (views use the jobs code)
    n_base: Callable[[Dataset], int] | None = None
    build: Builder | None = None
    whole: Whole | None = None
    creatable: bool = False
    all_active: bool = False  # list entities without an active flag
    # the `active` filter as the spec documents it: None = the endpoint has no such parameter (all records);
    # "True" = only active records unless asked (ActiveRequestArg True | Any | False); "Any" = all by default
    active_default: str | None = None
    served: bool = True  # False: Dispatch Pro-only data, not in ServiceTitan's API (written to the exports)

    @property
    def url(self) -> str:
        version = "v1" if self.module == "dispatch-pro" else "v2"
        return f"/{self.module}/{version}/tenant/{{tenant}}/{self.path}"

    def base(self, ds: Dataset) -> int:
        if self.n_base is not None:
            return self.n_base(ds)
        return len(self._whole(ds))

    def _whole(self, ds: Dataset) -> list[dict[str, Any]]:
        """The small entity's records (with the hostile corpus: tainted, plus extra custom field types)."""
        assert self.whole is not None
        records = self.whole(ds)
        return hostile.taint_list(self.key, records) if ds.corpus == hostile.HOSTILE else records

    def count(self, ds: Dataset) -> int:
        """Records served (export: base + created by the admin API; list: with active=Any)."""
        creates = self.kind == "export" or self.creatable
        created = ds.overlay.n_created(self.code) if ds.overlay and creates else 0
        return self.base(ds) + created

    def getter(self, ds: Dataset) -> Callable[[int], dict[str, Any]]:
        """A record-by-index function (small entities are built once per call of ``getter``)."""
        if self.build is not None:
            build, key = self.build, self.key
            get: Callable[[int], dict[str, Any]] = lambda i: build(ds, i)  # noqa: E731
            if ds.corpus == hostile.HOSTILE and key != "job_attachments":  # attachments: records_forms
                get = lambda i: hostile.taint(key, i, build(ds, i))  # noqa: E731
        else:
            get = self._whole(ds).__getitem__
        overlay, code = ds.overlay, self.code
        if overlay is None or not overlay.deactivated.get(code):
            return get

        def deactivated(i: int) -> dict[str, Any]:  # records the admin API set inactive
            record = get(i)
            return {**record, "active": False} if overlay.is_deactivated(code, i) else record

        return deactivated

    def iter_all(self, ds: Dataset) -> Iterator[dict[str, Any]]:
        get = self.getter(ds)
        for i in range(self.count(ds)):
            yield get(i)


def _e(key: str, module: str, path: str, code: int, n_base: Callable[[Dataset], int], build: Builder,
       creatable: bool = False, **kw: Any) -> Entity:  # fmt: skip
    return Entity(key, "export", module, path, code, n_base, build, None, creatable, **kw)


def _w(key: str, module: str, path: str, code: int, whole: Whole) -> Entity:
    return Entity(key, "export", module, path, code, None, None, whole)


def _l(key: str, module: str, path: str, whole: Whole, all_active: bool = False, **kw: Any) -> Entity:
    return Entity(key, "list", module, path, whole=whole, all_active=all_active, **kw)


_ENTITY_LIST = [
    _e(
        "customers",
        "crm",
        "export/customers",
        rec.CUSTOMERS,
        lambda d: d.sk.scale.customers,
        rec.customer,
        True,
    ),
    _e(
        "customer_contacts",
        "crm",
        "export/customers/contacts",
        rec.CUSTOMER_CONTACTS,
        lambda d: d.sk.cc_off[-1],
        rec.customer_contact,
    ),  # fmt: skip
    _e("locations", "crm", "export/locations", rec.LOCATIONS, lambda d: d.sk.n_locations, rec.location, True),
    _e(
        "location_contacts",
        "crm",
        "export/locations/contacts",
        rec.LOCATION_CONTACTS,
        lambda d: d.sk.lc_off[-1],
        rec.location_contact,
    ),  # fmt: skip
    _l(
        "customer_custom_field_types",
        "crm",
        "customers/custom-fields",
        lambda d: sets.custom_field_type_records(d, cat.CUSTOMER_FIELDS),
        all_active=True,
    ),  # fmt: skip
    _l(
        "location_custom_field_types",
        "crm",
        "locations/custom-fields",
        lambda d: sets.custom_field_type_records(d, cat.LOCATION_FIELDS),
        all_active=True,
    ),  # fmt: skip
    _e("jobs", "jpm", "export/jobs", rec.JOBS, lambda d: d.sk.scale.jobs, rec.job, True),
    _e(
        "appointments",
        "jpm",
        "export/appointments",
        rec.APPOINTMENTS,
        lambda d: d.sk.appt_off[-1],
        rec.appointment,
        active_default="Any",  # jpm-v2: "all items will be returned by default"
    ),
    _e("job_history", "jpm", "export/job-history", rec.JOBS, lambda d: d.sk.scale.jobs, rec.job_history),
    _e(
        "job_notes", "jpm", "export/job-notes", rec.JOB_NOTES, lambda d: d.sk.note_off[-1], rec.job_note, True
    ),
    _l("job_types", "jpm", "job-types", sets.job_type_records),
    _l(
        "job_custom_field_types",
        "jpm",
        "jobs/custom-fields",
        lambda d: sets.custom_field_type_records(d, cat.JOB_FIELDS),
        all_active=True,
    ),  # fmt: skip
    _e(
        "appointment_assignments",
        "dispatch",
        "export/appointment-assignments",
        rec.ASSIGNMENTS,
        lambda d: d.sk.assign_off[-1],
        rec.appointment_assignment,
        active_default="True",  # dispatch-v2: "only active items will be returned by default"
    ),  # fmt: skip
    _l("technician_shifts", "dispatch", "technician-shifts", sets.shift_records),
    _l("technician_skills", "dispatch", "technician-skills", sets.skill_records),
    _l("zones", "dispatch", "zones", sets.zone_records),
    _w("technicians", "settings", "export/technicians", rec.TECHNICIANS, sets.technician_records),
    _w("employees", "settings", "export/employees", rec.EMPLOYEES, sets.employee_records),
    _w("business_units", "settings", "export/business-units", rec.BUSINESS_UNITS, sets.business_unit_records),
    _e(
        "invoices",
        "accounting",
        "export/invoices",
        rec.INVOICES,
        lambda d: len(d.sk.invoice_jobs),
        rec.invoice,
    ),
    _e(
        "invoice_items",
        "accounting",
        "export/invoice-items",
        rec.INVOICE_ITEMS,
        lambda d: d.sk.item_off[-1],
        rec.invoice_item,
        True,  # new line items attach to an existing invoice
    ),  # fmt: skip
    _e("payments", "accounting", "export/payments", rec.PAYMENTS, lambda d: d.sk.pay_off[-1], rec.payment),
    _l(
        "invoice_custom_field_types",
        "accounting",
        "invoices/custom-fields",
        lambda d: sets.custom_field_type_records(d, cat.INVOICE_FIELDS),
        all_active=True,
    ),  # fmt: skip
    Entity(
        "form_submissions",
        "list",
        "forms",
        "submissions",
        rec.SUBMISSIONS,
        lambda d: len(d.sk.signature_jobs),
        forms.submission,
        all_active=True,
    ),  # fmt: skip
    Entity(
        "job_attachments",
        "list",
        "forms",
        "jobs/{jobId}/attachments",
        rec.ATTACHMENTS,
        lambda d: d.sk.att_off[-1],
        forms.attachment,
        creatable=True,  # new attachments of existing jobs (the job is bumped so a delta lists it again)
        all_active=True,
    ),  # fmt: skip
    _e(
        "job_dispatch_metadata",
        "dispatch-pro",
        "export/job-dispatch-metadata",
        rec.JOBS,
        lambda d: d.sk.scale.jobs,
        rec.job_dispatch_metadata,
        served=False,
    ),  # fmt: skip
    _l("playbooks", "dispatch-pro", "playbooks", auto.playbook_records, served=False),
    _l("dashboards", "dispatch-pro", "dashboards", auto.dashboard_records, all_active=True, served=False),
    _e("calls", "telecom", "export/calls", tel.CALLS, lambda d: d.sk.call_off[-1], tel.call, True),
    _l("report_categories", "reporting", "report-categories", tel.report_categories, all_active=True),
]

ENTITIES: dict[str, Entity] = {e.key: e for e in _ENTITY_LIST}

# the admin API's entity names: raw table names, plus endpoint spellings ("customers/contacts", "job-notes")
ALIASES = {e.path.removeprefix("export/").replace("/", "_").replace("-", "_"): e.key for e in _ENTITY_LIST}
ALIASES.update({"customers_contacts": "customer_contacts", "locations_contacts": "location_contacts"})


def resolve(name: str) -> Entity:
    """The changeable entity called ``name`` (table name or endpoint path); ValueError naming the choices.

    Every export entity, plus job attachments (new attachments for the delta pickup)."""
    key = name.strip().lower().replace("/", "_").replace("-", "_")
    key = ALIASES.get(key, key)
    ent = ENTITIES.get(key)
    if ent is None or not (ent.kind == "export" or ent.creatable):
        choices = ", ".join(e.key for e in _ENTITY_LIST if e.kind == "export" or e.creatable)
        raise ValueError(f"unknown or non-export entity {name!r}; choose one of: {choices}")
    return ent
