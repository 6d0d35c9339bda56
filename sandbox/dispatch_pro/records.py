"""Record builders: one function per entity, ``build(ds, index) -> dict`` shaped like the OpenAPI specs.

Every builder derives its own PRNG from (seed, entity, index) and reads parent/child structure from the
skeleton, so any record can be built alone, in any order, in microseconds. ``ds`` is a
:class:`sandbox.dispatch_pro.generator.Dataset` (it also applies the admin overlay: bumped ``modifiedOn``,
advanced job statuses, created records).
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import catalog as cat
from .dataset import (  # noqa: F401 - re-exported: the record builders' entity codes
    APPOINTMENTS,
    ASSIGNMENTS,
    BUSINESS_UNITS,
    CUSTOMER_CONTACTS,
    CUSTOMERS,
    EMPLOYEES,
    INVOICE_ITEMS,
    INVOICES,
    JOB_NOTES,
    JOBS,
    LOCATION_CONTACTS,
    LOCATIONS,
    PAYMENTS,
    TECHNICIANS,
    rid,
)
from .rng import Rng
from .skeleton import JOB_STATUSES, PRIORITIES
from .timefmt import TICKS_PER_DAY, TICKS_PER_SECOND, fmt

if TYPE_CHECKING:
    from .dataset import Dataset

HOUR = 3600 * TICKS_PER_SECOND
MINUTE = 60 * TICKS_PER_SECOND

# entity codes (stable: they seed the per-record PRNGs and prefix the ids); the export entities' codes and
# ``rid`` live in dataset.py (base counts by code)
JOB_TYPES, ZONES, SHIFTS, SKILL_ROWS, SUBMISSIONS, ATTACHMENTS, SIGNATURES = 17, 18, 19, 20, 21, 22, 23
PLAYBOOKS, DASHBOARDS = 24, 25
HISTORY_EVENT_BASE = 1_000_000_000
FORM_ID = 5_001
FORM_NAME = "Job Completion & Customer Signature"

# a 1x1 PNG, used for inline images embedded in HTML notes and summaries
TINY_PNG_B64 = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a3b3b1c80000000049454e44ae426082"
    )
).decode()
INLINE_IMAGE = f'<img src="data:image/png;base64,{TINY_PNG_B64}" alt="photo">'

APPT_STATUS = {
    0: "Scheduled",
    1: "Dispatched",
    2: "Working",
    3: "Hold",
    4: "Done",
    5: "Canceled",
    6: "Scheduled",
}
ASSIGN_STATUS = {
    "Scheduled": "Scheduled",
    "Dispatched": "Dispatched",
    "Working": "Working",
    "Hold": "Working",
}
# job status -> the history it implies (event types, in order)
EVENTS_BY_STATUS = {
    0: ("Job Booked", "Appointment Scheduled"),
    1: ("Job Booked", "Appointment Scheduled", "Technician Dispatched"),
    2: ("Job Booked", "Appointment Scheduled", "Technician Dispatched", "Technician Arrived"),
    3: ("Job Booked", "Appointment Scheduled", "Technician Dispatched", "Technician Arrived", "Job On Hold"),
    4: (
        "Job Booked",
        "Appointment Scheduled",
        "Technician Dispatched",
        "Technician Arrived",
        "Job Completed",
    ),
    5: ("Job Booked", "Appointment Scheduled", "Job Canceled"),
    6: ("Job Booked",),
}
# status reached by one admin "modify" of a job, and the event that records it
ADVANCE = {0: (1, "Technician Dispatched"), 1: (2, "Technician Arrived"), 2: (4, "Job Completed"),
           3: (2, "Job Resumed"), 6: (0, "Appointment Scheduled")}  # fmt: skip


_MONEY: dict[int, str] = {}


def money(cents: int) -> str:
    """Cents as ServiceTitan's money text (``"-12.50"``), cached."""
    text = _MONEY.get(cents)
    if text is None:
        if len(_MONEY) > 100_000:
            _MONEY.clear()
        sign = "-" if cents < 0 else ""
        text = _MONEY[cents] = f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    return text


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and (ch.isalnum() or ch in ".-"))


def phone(r: Rng) -> str:
    area, mid, last = r.between(201, 989), r.between(200, 999), r.between(0, 9999)
    style = r.below(10)
    if style < 6:
        return f"({area}) {mid}-{last:04d}"
    if style < 9:
        return f"{area}-{mid}-{last:04d}"
    return f"+1 {area} {mid} {last:04d}"


def custom_value(r: Rng, field: cat.CustomFieldType) -> str:
    if field.flavour == "option":
        return r.choice(field.options)
    if field.flavour == "bool":
        return r.choice(cat.BOOL_LIKE)
    if field.flavour == "date":
        return r.choice(cat.DATE_LIKE)
    if field.flavour == "number":
        return r.choice(cat.NUMBER_LIKE) if r.chance(0.2) else str(r.between(1, 4000))
    return r.choice(cat.TEXT_LIKE) if r.chance(0.5) else f"{r.between(1000, 9999)}#"


def text_blob(ds: Dataset, r: Rng, sentences: int, *, long: bool = False, image: bool = False) -> str:
    pool = ds.pools.sentences
    parts = [r.choice(pool) for _ in range(sentences)]
    if image:
        parts.insert(r.below(len(parts) + 1), INLINE_IMAGE)
    text = " ".join(parts)
    if long:  # past Salesforce's 32,768-character long text limit
        chunk = " ".join(pool[:40]) + "\n"
        text = text + "\n" + chunk * (33_500 // len(chunk) + 1)
    return text


def address(ds: Dataset, r: Rng, incomplete: bool) -> dict[str, Any]:
    city, state, zip_code = r.choice(ds.pools.places)
    addr = {
        "street": r.choice(ds.pools.streets),
        "unit": f"Apt {r.between(1, 40)}{r.choice('ABCD')}" if r.chance(0.1) else None,
        "city": city,
        "state": state,
        "zip": zip_code,
        "country": "USA",
        "latitude": None if r.chance(0.05) else round(r.uniform(25.0, 48.0), 6),
        "longitude": None if r.chance(0.05) else round(r.uniform(-122.0, -71.0), 6),
    }
    if incomplete:
        addr[r.choice(("street", "city", "zip", "state"))] = ""
    return addr


# ---------------------------------------------------------------------------------------------------------
# customers and contacts
# ---------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=8192)
def _customer_core(seed: int, pools_key: int, c: int, ds_ref: Dataset) -> dict[str, Any]:
    r = Rng.for_record(seed, CUSTOMERS, c, 1)
    if c > 3 and r.chance(0.03):  # a duplicate: same name, phone, address as an earlier customer
        twin = dict(_customer_core(seed, pools_key, r.below(c), ds_ref))
        twin["duplicate_of"] = twin.get("duplicate_of", c)
        return twin
    p = ds_ref.pools
    first, last = r.choice(p.first_names), r.choice(p.last_names)
    commercial = r.chance(0.25)
    name = r.choice(p.companies) if commercial else f"{first} {last}"
    if not commercial and r.chance(0.03):
        name = r.choice((f"  {name}", name.lower(), f"{name} ", f"{last}, {first}"))
    domain = r.choice(p.domains)
    return {
        "name": name,
        "commercial": commercial,
        "first": first,
        "last": last,
        "phone": phone(r),
        "mobile": phone(r),
        "email": f"{_ascii(first)}.{_ascii(last)}{r.below(100)}@{domain}",
        "address": address(ds_ref, r, incomplete=r.chance(0.05)),
    }


def customer_core(ds: Dataset, c: int) -> dict[str, Any]:
    """Name, type, phone, email and address of customer ``c`` (duplicates share their twin's)."""
    return _customer_core(ds.seed, 0, c, ds)


def _custom_fields(r: Rng, fields: tuple[cat.CustomFieldType, ...], p: float) -> list[dict[str, Any]]:
    return [{"typeId": f.id, "name": f.name, "value": custom_value(r, f)} for f in fields if r.chance(p)]


def customer(ds: Dataset, c: int) -> dict[str, Any]:
    core = customer_core(ds, c)
    r = Rng.for_record(ds.seed, CUSTOMERS, c, 2)
    mod = ds.modified(CUSTOMERS, c)
    rec = {
        "id": rid(CUSTOMERS, c),
        "active": not r.chance(0.05),
        "name": core["name"],
        "type": "Commercial" if core["commercial"] else "Residential",
        "address": dict(core["address"]),
        "customFields": _custom_fields(r, cat.CUSTOMER_FIELDS, 0.45),
        "balance": round(r.below(50_000) / 100, 2) if r.chance(0.3) else 0.0,
        "taxExempt": r.chance(0.05),
        "tagTypeIds": [],
        "doNotMail": r.chance(0.1),
        "doNotService": r.chance(0.02),
        "nationalAccount": core["commercial"] and r.chance(0.1),
        "createdOn": fmt(ds.created(CUSTOMERS, c, mod - r.between(0, 400) * TICKS_PER_DAY)),
        "createdById": ds.employee_id(r),
        "modifiedOn": fmt(mod),
        "mergedToId": None,
        "paymentTermId": None,
        "creditLimit": None,
        "creditLimitBalance": None,
        "externalData": [],
    }
    if ds.times(CUSTOMERS, c):
        rec["doNotMail"] = not rec["doNotMail"]
        rec["balance"] = round(rec["balance"] + 10.0 * ds.times(CUSTOMERS, c), 2)
    return rec


def _memo_person(ds: Dataset, r: Rng) -> str:
    who = f"{r.choice(ds.pools.first_names)} {r.choice(ds.pools.last_names)}"
    role = r.choice(("Office Manager", "Facilities", "AP", "Owner", "Site contact"))
    return r.choice((f"{who} - {role}", f"{role}: {who}", f"{who} ({role})"))


def contact_method(ds: Dataset, r: Rng, core: dict[str, Any], k: int, commercial: bool) -> dict[str, Any]:
    kind = ("Phone", "Email", "MobilePhone", "Fax")[k % 4] if k < 4 else r.choice(("Phone", "Email"))
    if kind == "Email":
        value = core["email"] if k < 4 else f"{_ascii(core['last'])}{k}@{r.choice(ds.pools.domains)}"
    else:
        value = (
            core["phone"]
            if kind == "Phone" and k == 0
            else (core["mobile"] if kind == "MobilePhone" else phone(r))
        )
    if commercial and r.chance(0.7):
        memo: str | None = _memo_person(ds, r)
    else:
        memo = r.choice((None, None, "cell", "home", "work #", "Owner’s daughter - Kelly"))
    digits = "".join(ch for ch in value if ch.isdigit()) if kind != "Email" else ""
    return {
        "type": kind,
        "value": value,
        "memo": memo,
        "phoneSettings": {"phoneNumber": digits, "doNotText": r.chance(0.1)},
        "preferences": None
        if r.chance(0.6)
        else {
            "jobRemindersEnabled": r.chance(0.8),
            "marketingUpdatesEnabled": r.chance(0.3),
            "invoiceStatementNotification": r.chance(0.5),
            "invoiceNotification": r.chance(0.5),
            "statementNotification": r.chance(0.5),
        },
    }


def customer_contact(ds: Dataset, n: int) -> dict[str, Any]:
    c, k = ds.sk.parent(ds.sk.cc_off, n)
    core = customer_core(ds, c)
    r = Rng.for_record(ds.seed, CUSTOMER_CONTACTS, n)
    mod = ds.modified(CUSTOMER_CONTACTS, n)
    cm = contact_method(ds, r, core, k, core["commercial"])
    rec = {
        "modifiedOn": fmt(mod),
        "phoneSettings": cm["phoneSettings"],
        "createdOn": fmt(mod - r.between(0, 300) * TICKS_PER_DAY),
        "preferences": cm["preferences"],
        "id": rid(CUSTOMER_CONTACTS, n),
        "type": cm["type"],
        "value": cm["value"],
        "memo": cm["memo"],
        "customerId": rid(CUSTOMERS, c),
        "active": not r.chance(0.04),
    }
    if ds.times(CUSTOMER_CONTACTS, n):
        rec["memo"] = f"updated {ds.times(CUSTOMER_CONTACTS, n)}x"
    return rec


# ---------------------------------------------------------------------------------------------------------
# locations
# ---------------------------------------------------------------------------------------------------------
def location_owner(ds: Dataset, loc: int) -> tuple[int, int]:
    """(customer index, position among the customer's locations) of location ``loc``."""
    if loc < ds.sk.n_locations:
        return ds.sk.parent(ds.sk.loc_off, loc)
    return Rng.for_record(ds.seed, LOCATIONS, loc, 9).below(ds.sk.scale.customers), 1


def location_identity(ds: Dataset, loc: int) -> tuple[int, str, dict[str, Any], Rng]:
    """(customer index, name, address, the record's PRNG positioned after them) of location ``loc``."""
    c, k = location_owner(ds, loc)
    r = Rng.for_record(ds.seed, LOCATIONS, loc)
    if k == 0:  # the primary site: the customer's own address
        core = customer_core(ds, c)
        return c, (core["name"] if core["commercial"] else "Home"), dict(core["address"]), r
    addr = address(ds, r, incomplete=r.chance(0.04))
    label = r.choice(("Warehouse", "Rental", "Store", "Unit", "Site", "Lake House"))
    return c, f"{label} {k + 1} – {addr['street']}", addr, r


def location(ds: Dataset, loc: int) -> dict[str, Any]:
    c, name, addr, r = location_identity(ds, loc)
    mod = ds.modified(LOCATIONS, loc)
    rec = {
        "taxZoneId": None,
        "id": rid(LOCATIONS, loc),
        "customerId": rid(CUSTOMERS, c),
        "active": not r.chance(0.03),
        "name": name,
        "address": addr,
        "customFields": _custom_fields(r, cat.LOCATION_FIELDS, 0.35),
        "createdOn": fmt(ds.created(LOCATIONS, loc, mod - r.between(0, 400) * TICKS_PER_DAY)),
        "createdById": ds.employee_id(r),
        "modifiedOn": fmt(mod),
        "mergedToId": None,
        "zoneId": ds.zone_id(r),
        "taxExempt": False,
        "tagTypeIds": [],
        "externalData": [],
    }
    if ds.times(LOCATIONS, loc):
        rec["name"] = f"{name} (renamed {ds.times(LOCATIONS, loc)})"
    return rec


def location_contact(ds: Dataset, n: int) -> dict[str, Any]:
    loc, k = ds.sk.parent(ds.sk.lc_off, n)
    c, _ = location_owner(ds, loc)
    core = customer_core(ds, c)
    r = Rng.for_record(ds.seed, LOCATION_CONTACTS, n)
    mod = ds.modified(LOCATION_CONTACTS, n)
    cm = contact_method(ds, r, core, (k + 1) % 3, core["commercial"])
    return {
        "id": rid(LOCATION_CONTACTS, n),
        "type": cm["type"],
        "value": cm["value"],
        "memo": cm["memo"],
        "phoneSettings": cm["phoneSettings"],
        "modifiedOn": fmt(mod),
        "createdOn": fmt(mod - r.between(0, 300) * TICKS_PER_DAY),
        "preferences": cm["preferences"],
        "locationId": rid(LOCATIONS, loc),
        "active": not r.chance(0.04),
    }


# ---------------------------------------------------------------------------------------------------------
# jobs and everything keyed by a job
# ---------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=16384)
def _job_core(ds: Dataset, j: int, times: int, mod: int, stamps: tuple[int, ...]) -> dict[str, Any]:
    sk = ds.sk
    r = Rng.for_record(ds.seed, JOBS, j, 1)
    base = j < sk.scale.jobs
    status = sk.job_status[j] if base else 0
    priority = PRIORITIES[sk.job_priority[j] if base else r.below(8)]
    loc = r.below(sk.n_locations)
    customer_index, _ = location_owner(ds, loc)
    job_type = cat.JOB_TYPES[r.below(len(cat.JOB_TYPES))]
    tech = ds.technician_for(r)
    auto = r.chance(0.35)
    base_mod = ds.base_ticks(JOBS, j) if base else mod
    created = ds.created(JOBS, j, base_mod - r.between(1, 20 * 24) * HOUR)
    # the history implied by the base status, spaced between createdOn and the base modifiedOn
    events = list(EVENTS_BY_STATUS[status])
    span = max(base_mod - created, HOUR)
    dates = [created + (span * i) // len(events) for i in range(len(events))]
    # each admin modification advances the status (if it can move on), at the time of that modification: an
    # event never moves once written (an overlay saved before stamps were kept spaces them a minute apart)
    for step in range(times):
        if status in ADVANCE:
            status, event = ADVANCE[status]
            events.append(event)
            dates.append(stamps[step] if step < len(stamps) else mod - (times - step - 1) * MINUTE)
    completed_on = dates[events.index("Job Completed")] if "Job Completed" in events else None
    return {
        "status": status,
        "priority": priority,
        "location": loc,
        "customer": customer_index,
        "job_type": job_type,
        "tech": tech,
        "auto": auto,
        "created": created,
        "events": events,
        "dates": dates,
        "completed_on": completed_on,
        "dispatcher": ds.employee_id(r),
    }


def history_events(ds: Dataset, j: int) -> list[dict[str, Any]]:
    """The job's status history: who did what when, and which scheduling tool was used."""
    core = job_core(ds, j)
    r = Rng.for_record(ds.seed, JOBS, j, 4)
    auto, tech, dispatcher = core["auto"], core["tech"]["id"], core["dispatcher"]
    history = []
    for k, (event, when) in enumerate(zip(core["events"], core["dates"], strict=True)):
        if event in ("Technician Arrived", "Job Completed", "Job On Hold", "Job Resumed"):
            who: int | None = tech
        else:
            who = None if (auto and event == "Technician Dispatched") or r.chance(0.04) else dispatcher
        tool = "Manual"
        if event == "Technician Dispatched" and auto:
            tool = "SmartDispatch"
        elif event == "Appointment Scheduled" and r.chance(0.25):
            tool = r.choice(("SmartSchedule", "AdaptiveCapacity", "TechnicianRouteOptimization", "Routing"))
        history.append(
            {
                "id": HISTORY_EVENT_BASE + j * 16 + k,
                "employeeId": who,
                "eventType": event,
                "date": fmt(when),
                "usedSchedulingTool": tool,
            }  # fmt: skip
        )
    return history


def job_core(ds: Dataset, j: int) -> dict[str, Any]:
    """Status (after admin changes), people, places and timeline of job ``j``."""
    return _job_core(ds, j, ds.times(JOBS, j), ds.modified(JOBS, j), ds.modification_ticks(JOBS, j))


def job_number(j: int) -> str:
    return str(100_000 + j)


def invoice_index_of(ds: Dataset, j: int) -> int | None:
    from bisect import bisect_left

    inv = ds.sk.invoice_jobs
    v = bisect_left(inv, j)
    return v if v < len(inv) and inv[v] == j else None


def job(ds: Dataset, j: int) -> dict[str, Any]:
    core = job_core(ds, j)
    sk = ds.sk
    r = Rng.for_record(ds.seed, JOBS, j, 2)
    mod = ds.modified(JOBS, j)
    base = j < sk.scale.jobs
    n_appts = sk.appt_off[j + 1] - sk.appt_off[j] if base else 0
    first_appt = rid(APPOINTMENTS, sk.appt_off[j]) if n_appts else 0
    last_appt = rid(APPOINTMENTS, sk.appt_off[j + 1] - 1) if n_appts else 0
    v = invoice_index_of(ds, j) if base else None
    summary = "<p>" + text_blob(ds, r, r.between(1, 3), image=r.chance(0.03) or j == 7) + "</p>"
    if r.chance(0.2):
        summary += "<ul><li>Check filter</li><li>Inspect &amp; clean coil</li></ul>"
    if ds.times(JOBS, j):
        summary += f"<p>Updated by dispatch ({ds.times(JOBS, j)})</p>"
    cf_count = sk.job_cf_off[j + 1] - sk.job_cf_off[j] if base else 1
    start = r.below(len(cat.JOB_FIELDS))
    fields = [cat.JOB_FIELDS[(start + i) % len(cat.JOB_FIELDS)] for i in range(cf_count)]
    return {
        "summary": summary,
        "customFields": [{"typeId": f.id, "name": f.name, "value": custom_value(r, f)} for f in fields],
        "externalData": [],
        "summaryOfWork": None,
        "id": rid(JOBS, j),
        "jobNumber": job_number(j),
        "projectId": None,
        "customerId": rid(CUSTOMERS, core["customer"]),
        "locationId": rid(LOCATIONS, core["location"]),
        "jobStatus": JOB_STATUSES[core["status"]],
        "completedOn": fmt(core["completed_on"]) if core["completed_on"] else None,
        "businessUnitId": cat.BUSINESS_UNITS[core["job_type"].business_unit].id,
        "jobTypeId": core["job_type"].id,
        "priority": core["priority"],
        "campaignId": 160_000_001 + r.below(6),
        "appointmentCount": n_appts,
        "firstAppointmentId": first_appt,
        "lastAppointmentId": last_appt,
        "recallForId": None,
        "warrantyId": None,
        "jobGeneratedLeadSource": None,
        "noCharge": r.chance(0.03),
        "notificationsEnabled": not r.chance(0.1),
        "createdOn": fmt(core["created"]),
        "createdById": core["dispatcher"],
        "modifiedOn": fmt(mod),
        "tagTypeIds": [],
        "leadCallId": None,
        "partnerLeadCallId": None,
        "bookingId": None,
        "soldById": None,
        "customerPo": f"PO-{r.between(1000, 99999)}" if r.chance(0.15) else "",
        "invoiceId": rid(INVOICES, v) if v is not None else 0,
        "membershipId": None,
        "total": invoice_totals(ds, v)[2] / 100 if v is not None else None,
        "createdFromEstimateId": None,
        "estimateIds": [],
        "equipmentIds": [],
        "isAutoDispatched": core["auto"],
        "active": not (base and r.chance(0.02)),
    }


def job_history(ds: Dataset, j: int) -> dict[str, Any]:
    return {"jobId": rid(JOBS, j), "history": history_events(ds, j)}


def job_dispatch_metadata(ds: Dataset, j: int) -> dict[str, Any]:
    core = job_core(ds, j)
    r = Rng.for_record(ds.seed, JOBS, j, 3)
    locked = r.chance(0.1)
    return {
        "jobId": rid(JOBS, j),
        "priority": core["priority"],
        "slaDueOn": fmt(core["created"] + cat.SLA_HOURS[core["priority"]] * HOUR),
        "isAutoDispatched": core["auto"],
        "optimizationScore": round(r.uniform(0.3, 1.0), 3) if core["auto"] else None,
        "lockedToTechnician": locked,
        "lockedTechnicianId": core["tech"]["id"] if locked else None,
        "dispatchZoneId": ds.zone_id(r),
        "createdOn": fmt(core["created"]),
        "modifiedOn": fmt(ds.modified(JOBS, j)),
        "active": True,
    }


def job_of_child(ds: Dataset, offsets: Any, code: int, n: int) -> tuple[int, int]:
    """(job index, position) of child ``n``; created children attach to a random existing job."""
    if n < offsets[-1]:
        return ds.sk.parent(offsets, n)
    return Rng.for_record(ds.seed, code, n, 9).below(ds.sk.scale.jobs), 0


def appointment(ds: Dataset, a: int) -> dict[str, Any]:
    sk = ds.sk
    j, k = job_of_child(ds, sk.appt_off, APPOINTMENTS, a)
    core = job_core(ds, j)
    n = sk.appt_off[j + 1] - sk.appt_off[j]
    r = Rng.for_record(ds.seed, APPOINTMENTS, a)
    mod = ds.modified(APPOINTMENTS, a)
    start = core["created"] + (k + 1) * 2 * TICKS_PER_DAY + r.between(8, 16) * HOUR
    start -= start % (30 * MINUTE)
    status = APPT_STATUS[core["status"]] if k == n - 1 else "Done"
    rec = {
        "appointmentSummaries": None,
        "id": rid(APPOINTMENTS, a),
        "jobId": rid(JOBS, j),
        "appointmentNumber": f"{job_number(j)}-{k + 1}",
        "start": fmt(start),
        "end": fmt(start + r.between(1, 4) * HOUR),
        "arrivalWindowStart": fmt(start - HOUR) if r.chance(0.8) else None,
        "arrivalWindowEnd": fmt(start + 3 * HOUR) if r.chance(0.8) else None,
        "status": status,
        "specialInstructions": r.choice((None, None, "Call 30 min ahead", "Side gate; beware of dog")),
        "createdOn": fmt(core["created"] + k * HOUR),
        "modifiedOn": fmt(mod),
        "customerId": rid(CUSTOMERS, core["customer"]),
        "unused": False,
        "createdById": core["dispatcher"],
        "isConfirmed": r.chance(0.7),
        "active": True,
    }
    if ds.times(APPOINTMENTS, a):
        rec["specialInstructions"] = f"Rescheduled by customer ({ds.times(APPOINTMENTS, a)})"
    return rec


def appointment_assignment(ds: Dataset, s: int) -> dict[str, Any]:
    sk = ds.sk
    a, k = sk.parent(sk.assign_off, s)
    appt = appointment(ds, a)
    j = appt["jobId"] - rid(JOBS, 0)
    core = job_core(ds, j)
    r = Rng.for_record(ds.seed, ASSIGNMENTS, s)
    tech = core["tech"] if k == 0 else ds.technician_for(r)
    return {
        "id": rid(ASSIGNMENTS, s),
        "technicianId": tech["id"],
        "technicianName": tech["name"],
        "assignedById": core["dispatcher"],
        "assignedOn": appt["createdOn"],
        "status": ASSIGN_STATUS.get(appt["status"], "Done"),
        "isPaused": appt["status"] == "Hold",
        "jobId": appt["jobId"],
        "appointmentId": appt["id"],
        "createdOn": appt["createdOn"],
        "modifiedOn": fmt(ds.modified(ASSIGNMENTS, s)),
        "active": appt["status"] != "Canceled",
    }


def job_note(ds: Dataset, n: int) -> dict[str, Any]:
    sk = ds.sk
    j, k = job_of_child(ds, sk.note_off, JOB_NOTES, n)
    core = job_core(ds, j)
    r = Rng.for_record(ds.seed, JOB_NOTES, n)
    mod = ds.modified(JOB_NOTES, n)
    total = sk.note_off[-1]
    long = r.chance(0.01) or n == total // 2
    image = r.chance(0.03) or n == total // 3
    text = text_blob(ds, r, r.between(1, 4), long=long, image=image)
    if ds.times(JOB_NOTES, n):
        text += f"\n(edited {ds.times(JOB_NOTES, n)}x)"
    return {
        "id": rid(JOB_NOTES, n),
        "active": not r.chance(0.02),
        "text": text,
        "isPinned": r.chance(0.05),
        "createdById": core["tech"]["id"] if r.chance(0.6) else core["dispatcher"],
        "createdOn": fmt(ds.created(JOB_NOTES, n, core["created"] + (k + 1) * HOUR)),
        "modifiedOn": fmt(mod),
        "jobId": rid(JOBS, j),
    }


# ---------------------------------------------------------------------------------------------------------
# accounting
# ---------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=8192)
def _invoice_lines(ds: Dataset, v: int) -> tuple[tuple[Any, ...], ...]:
    sk = ds.sk
    lines = []
    for n in range(sk.item_off[v], sk.item_off[v + 1]):
        r = Rng.for_record(ds.seed, INVOICE_ITEMS, n)
        entry = cat.ITEM_CATALOG[r.below(len(cat.ITEM_CATALOG) - 1)]
        if r.chance(0.004) or n == sk.item_off[-1] // 2:
            entry = cat.ITEM_CATALOG[-1]  # the rare "Unspecified" legacy item type
        qty_h = 100 if entry[0] in ("Equipment", "PriceModifier") else r.choice((100, 100, 150, 200, 300))
        price = entry[3] + (r.between(-5, 5) * 100 if entry[0] == "Service" else 0)
        total = (price * qty_h + 50) // 100
        lines.append((n, entry, qty_h, price, total))
    return tuple(lines)


def invoice_totals(ds: Dataset, v: int) -> tuple[int, int, int]:
    """(sub total, tax, total) of invoice ``v`` in cents: the items' totals plus 8.25% on taxable ones."""
    lines = _invoice_lines(ds, v)
    sub = sum(line[4] for line in lines)
    tax = (sum(line[4] for line in lines if line[1][4]) * 825 + 5000) // 10000
    return sub, tax, sub + tax


def invoice_money(ds: Dataset, v: int) -> dict[str, int]:
    """Sub total, tax, total, paid and balance of invoice ``v``, in cents."""
    sub, tax, total = invoice_totals(ds, v)
    payments = payment_amounts(ds, v, total)
    paid = sum(payments)
    return {"sub": sub, "tax": tax, "total": total, "paid": paid, "balance": total - paid}


def payment_amounts(ds: Dataset, v: int, total: int) -> list[int]:
    n = ds.sk.pay_off[v + 1] - ds.sk.pay_off[v]
    if n == 0:
        return []
    r = Rng.for_record(ds.seed, PAYMENTS, v, 5)
    if n == 1:
        return [total if r.chance(0.85) else total // 2]
    first = total // 2
    return [first, total - first]


def _item_line(ds: Dataset, n: int) -> tuple[int, int, Any, int, int, int]:
    """(invoice, position, catalog entry, quantity in hundredths, price, total) of line item ``n``.

    Items created by the admin API (``n`` past the base ones) are new lines on an existing invoice, after
    its base lines (the invoice's totals are not recomputed: the change a delta has to pick up is the line).
    """
    if n < ds.sk.item_off[-1]:
        v, k = ds.sk.parent(ds.sk.item_off, n)
        _n, entry, qty_h, price, total = _invoice_lines(ds, v)[k]
        return v, k, entry, qty_h, price, total
    r = Rng.for_record(ds.seed, INVOICE_ITEMS, n, 9)
    v = r.below(len(ds.sk.invoice_jobs))
    entry = cat.ITEM_CATALOG[r.below(len(cat.ITEM_CATALOG))]
    k = ds.sk.item_off[v + 1] - ds.sk.item_off[v] + n - ds.sk.item_off[-1]
    return v, k, entry, 100, entry[3], entry[3]


def created_item_invoice(ds: Dataset, n: int) -> int:
    """The invoice index a created line item belongs to."""
    return _item_line(ds, n)[0]


def invoice_item(ds: Dataset, n: int, nested: bool = False) -> dict[str, Any]:
    v, k, entry, qty_h, price, total = _item_line(ds, n)
    kind, sku, description, _base, taxable = entry
    j = ds.sk.invoice_jobs[v]
    core = job_core(ds, j)
    r = Rng.for_record(ds.seed, INVOICE_ITEMS, n, 2)
    mod = ds.modified(INVOICE_ITEMS, n)
    rec = {
        "id": rid(INVOICE_ITEMS, n),
        "description": description,
        "quantity": money(qty_h),
        "cost": money(abs(price) // 2),
        "totalCost": money(abs(total) // 2),
        "budgetCodeId": None,
        "inventoryLocationId": None,
        "inventoryLocation": None,
        "price": money(price),
        "type": kind,
        "skuName": sku,
        "skuId": 180_000_001 + cat.ITEM_CATALOG.index(entry),
        "total": money(total),
        "inventory": kind == "Material",
        "taxable": taxable,
        "isChargeable": True,
        "generalLedgerAccount": None,
        "costOfSaleAccount": None,
        "assetAccount": None,
        "membershipTypeId": 0,
        "itemGroup": None,
        "displayName": description,
        "soldHours": round(qty_h / 100, 2) if kind == "Service" else None,
        "createdOn": fmt(core["completed_on"] or core["created"]),
        "modifiedOn": fmt(mod),
        "serviceDate": fmt(core["completed_on"] or core["created"]),
        "order": k + 1,
        "businessUnit": {
            "id": cat.BUSINESS_UNITS[core["job_type"].business_unit].id,
            "name": cat.BUSINESS_UNITS[core["job_type"].business_unit].name,
        },  # fmt: skip
        "createdById": core["tech"]["id"],
        "displayInAmount": None,
        "importId": None,
        "exportId": None,
        "inventoryStatus": None,
        "addOn": False,
        "memberPrice": None,
        "technicianId": core["tech"]["id"],
        "installedEquipmentId": None,
        "estimateItemId": None,
    }
    if ds.times(INVOICE_ITEMS, n):
        rec["description"] = f"{description} (revised)"
        rec["displayName"] = rec["description"]
    if not nested:
        rec["active"] = not r.chance(0.01)
        rec["invoiceId"] = rid(INVOICES, v)
    return rec


def invoice(ds: Dataset, v: int) -> dict[str, Any]:
    sk = ds.sk
    j = sk.invoice_jobs[v]
    core = job_core(ds, j)
    cust = customer_core(ds, core["customer"])
    _c, loc_name, loc_addr, _r = location_identity(ds, core["location"])
    r = Rng.for_record(ds.seed, INVOICES, v)
    m = invoice_money(ds, v)
    mod = ds.modified(INVOICES, v)
    inv_date = core["completed_on"] or core["created"]
    bu = cat.BUSINESS_UNITS[core["job_type"].business_unit]
    addr_keys = ("street", "unit", "city", "state", "zip", "country")
    paid_on = fmt(inv_date + r.between(0, 30) * TICKS_PER_DAY) if m["balance"] == 0 and m["paid"] else None
    rec = {
        "summary": "<p>" + text_blob(ds, r, 1) + "</p>",
        "items": [invoice_item(ds, n, nested=True) for n in range(sk.item_off[v], sk.item_off[v + 1])],
        "customFields": [
            {"name": f.name, "value": custom_value(r, f)} for f in cat.INVOICE_FIELDS if r.chance(0.4)
        ],
        "active": True,
        "discountTotal": money(-sum(line[4] for line in _invoice_lines(ds, v) if line[4] < 0)),
        "importId": None,
        "exportId": None,
        "materialSkuId": None,
        "membershipId": None,
        "paidOn": paid_on,
        "invoiceConfiguration": "JobInvoice",
        "id": rid(INVOICES, v),
        "syncStatus": r.choice(("Pending", "Posted", "Exported")),
        "budgetCodeId": None,
        "referenceNumber": f"INV-{job_number(j)}",
        "invoiceDate": fmt(inv_date),
        "dueDate": fmt(inv_date + 30 * TICKS_PER_DAY),
        "subTotal": money(m["sub"]),
        "salesTax": money(m["tax"]),
        "salesTaxCode": {"id": 190_000_001, "name": "Sales tax 8.25%", "taxRate": 0.0825},
        "taxZoneId": None,
        "total": money(m["total"]),
        "balance": money(m["balance"]),
        "invoiceType": None,
        "customer": {"id": rid(CUSTOMERS, core["customer"]), "name": cust["name"]},
        "customerAddress": {k: cust["address"][k] for k in addr_keys},
        "location": {"id": rid(LOCATIONS, core["location"]), "name": loc_name},
        "locationAddress": {k: loc_addr[k] for k in addr_keys},
        "businessUnit": {"id": bu.id, "name": bu.name},
        "termName": "Due Upon Receipt",
        "createdBy": core["tech"]["name"],
        "batch": None,
        "depositedOn": None,
        "createdOn": fmt(inv_date),
        "modifiedOn": fmt(mod),
        "adjustmentToId": None,
        "job": {"id": rid(JOBS, j), "number": job_number(j), "type": core["job_type"].name},
        "projectId": None,
        "royalty": None,
        "employeeInfo": None,
        "commissionEligibilityDate": None,
        "sentStatus": r.choice(("NotSent", "Sent", "Sent", "Opened")),
        "reviewStatus": r.choice(("NeedsReview", "Reviewed", "Reviewed", "Invoiced")),
        "assignedTo": None,
    }
    if ds.times(INVOICES, v):
        rec["reviewStatus"] = "Reviewed"
        rec["sentStatus"] = "Sent"
    return rec


def payment(ds: Dataset, p: int) -> dict[str, Any]:
    sk = ds.sk
    v, k = sk.parent(sk.pay_off, p)
    j = sk.invoice_jobs[v]
    core = job_core(ds, j)
    cust = customer_core(ds, core["customer"])
    m = invoice_money(ds, v)
    amount = payment_amounts(ds, v, m["total"])[k]
    r = Rng.for_record(ds.seed, PAYMENTS, p)
    mod = ds.modified(PAYMENTS, p)
    on = (core["completed_on"] or core["created"]) + (k * 7 + r.between(0, 5)) * TICKS_PER_DAY
    kind = r.choice(("Credit Card", "Check", "Cash", "ACH"))
    bu = cat.BUSINESS_UNITS[core["job_type"].business_unit]
    rec = {
        "active": True,
        "appliedTo": [
            {
                "appliedAmount": money(amount),
                "appliedBy": core["tech"]["name"],
                "appliedId": rid(PAYMENTS, p) + 500_000_000,
                "appliedOn": fmt(on),
                "appliedTo": rid(INVOICES, v),
                "appliedToReferenceNumber": f"INV-{job_number(j)}",
            }
        ],
        "authCode": f"{r.between(100000, 999999)}" if kind == "Credit Card" else None,
        "batch": None,
        "businessUnit": {"id": bu.id, "name": bu.name},
        "checkNumber": str(r.between(1000, 9999)) if kind == "Check" else None,
        "createdBy": core["tech"]["name"],
        "createdOn": fmt(on),
        "customer": {"id": rid(CUSTOMERS, core["customer"]), "name": cust["name"]},
        "customFields": None,
        "date": fmt(on),
        "deposit": None,
        "generalLedgerAccount": None,
        "id": rid(PAYMENTS, p),
        "memo": r.choice((None, "Paid in full", "Partial payment", "Thanks!")),
        "modifiedOn": fmt(mod),
        "referenceNumber": f"PAY-{rid(PAYMENTS, p)}",
        "refundedPaymentId": None,
        "syncStatus": r.choice(("Pending", "Posted")),
        "total": money(amount),
        "type": kind,
        "typeId": str(("Credit Card", "Check", "Cash", "ACH").index(kind) + 1),
        "unappliedAmount": "0.00",
    }
    if ds.times(PAYMENTS, p):
        rec["memo"] = f"memo edited ({ds.times(PAYMENTS, p)})"
    return rec
