"""Telecom calls (``telecom/v2 export/calls``) and report definitions (``reporting/v2``), as in their specs.

Calls: each job has 0-2 calls (skeleton ``call_off``); the first is the booking call (``type`` Booked, linked
to the job), later ones are follow-ups, some not linked to the job, a few abandoned from an unknown number (no
customer). ``duration`` is a .NET TimeSpan (``hh:mm:ss``), as the spec's ``format: duration``.

Reporting: a small fixed catalog of categories and reports with their fields and parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .dataset import CALLS
from .records import CUSTOMERS, JOBS, LOCATIONS, MINUTE, customer_core, job_core, job_number, phone, rid
from .rng import Rng
from .timefmt import fmt

if TYPE_CHECKING:
    from .dataset import Dataset

REPORTS = 27
CALL_REASONS = ((1, "Service request"), (2, "Billing question"), (3, "Reschedule"), (4, "Quote"))
CAMPAIGNS = ((160_000_001, "Google Ads"), (160_000_002, "Yelp"), (160_000_003, "Repeat Customer"))
OFFICE_NUMBER = "(555) 010-0100"


def _duration(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def call(ds: Dataset, n: int) -> dict[str, Any]:
    """Call ``n`` (child ``k`` of its job): who called whom, when, for how long, and what came of it."""
    sk = ds.sk
    j, k = sk.parent(sk.call_off, n) if n < sk.call_off[-1] else (n % sk.scale.jobs, 1)
    core = job_core(ds, j)
    r = Rng.for_record(ds.seed, CALLS, n)
    cust = customer_core(ds, core["customer"])
    booking = k == 0
    anonymous = not booking and r.chance(0.05)
    linked = booking or (not anonymous and r.chance(0.5))
    created = core["created"] - (r.between(2, 50) * MINUTE if booking else -r.between(1, 72) * 60 * MINUTE)
    inbound = booking or r.chance(0.7)
    caller = cust["phone"] if not anonymous else phone(r)
    call_type = "Booked" if booking else r.choice(("Unbooked", "Excused", "NotLead", "Abandoned"))
    seconds = 0 if call_type == "Abandoned" else r.between(20, 1500)
    agent = ds.employee_id(r)
    reason = CALL_REASONS[0] if booking else r.choice(CALL_REASONS)
    campaign = r.choice(CAMPAIGNS)
    mod = ds.modified(CALLS, n)
    rec: dict[str, Any] = {
        "id": rid(CALLS, n),
        "duration": _duration(seconds),
        "from": caller if inbound else OFFICE_NUMBER,
        "to": OFFICE_NUMBER if inbound else caller,
        "direction": "Inbound" if inbound else "Outbound",
        "status": "Completed" if seconds else r.choice(("Ringing", "Initiated")),
        "type": call_type,
        "recordingUrl": f"https://recordings.example/{rid(CALLS, n)}.mp3"
        if seconds and r.chance(0.6)
        else None,
        "voiceMailPath": None,
        "createdOn": fmt(ds.created(CALLS, n, created)),
        "modifiedOn": fmt(mod),
        "reason": {"id": reason[0], "name": reason[1]} if seconds else None,
        "customer": None if anonymous else {"id": rid(CUSTOMERS, core["customer"]), "name": cust["name"]},
        "location": None
        if anonymous
        else {"id": rid(LOCATIONS, core["location"]), "name": cust["address"].get("street", "")},
        "campaign": {"id": campaign[0], "name": campaign[1]},
        "job": {"id": rid(JOBS, j), "number": job_number(j)} if linked else None,
        "agent": {"id": agent, "name": f"Agent {agent % 1000}"},
        "createdBy": {"id": agent, "name": f"Agent {agent % 1000}"},
        "excuseMemo": "Wrong number" if call_type == "Excused" else "",
        "tag": "",
        "active": not r.chance(0.02),
        "lead": None,
    }
    if ds.times(CALLS, n):
        rec["excuseMemo"] = f"Call notes edited ({ds.times(CALLS, n)})"
    return rec


REPORT_CATEGORIES = (("operations", "Operations"), ("accounting", "Accounting"), ("dispatch", "Dispatch"))
_FIELDS = {
    "operations": (
        ("Jobs completed by technician", (("TechnicianName", "String"), ("JobsCompleted", "Number"))),
        ("Open jobs by priority", (("Priority", "String"), ("OpenJobs", "Number"), ("OldestOn", "Date"))),
    ),
    "accounting": (
        ("Invoices with balance", (("InvoiceNumber", "String"), ("Balance", "Number"), ("DueOn", "Date"))),
    ),
    "dispatch": (
        ("SLA breaches", (("JobNumber", "String"), ("SlaDueOn", "Date"), ("Breached", "Boolean"))),
        ("Auto-dispatch rate", (("Day", "Date"), ("AutoDispatched", "Number"), ("Total", "Number"))),
    ),
}


def report_categories(ds: Dataset) -> list[dict[str, Any]]:
    return [{"id": cid, "name": name} for cid, name in REPORT_CATEGORIES]


def reports(ds: Dataset, category: str) -> list[dict[str, Any]]:
    """The report definitions of one category (list rows carry id, name, description)."""
    out = []
    for k, (name, fields) in enumerate(_FIELDS.get(category, ())):
        index = sorted(_FIELDS).index(category) * 100 + k
        out.append(
            {
                "id": rid(REPORTS, index),
                "name": name,
                "description": None if k else f"{name} (Dispatch Pro standard report)",
                "modifiedOn": fmt(ds.base_ticks_for(REPORTS, index, 1000)),
                "parameters": [
                    {
                        "name": "From",
                        "label": "From date",
                        "dataType": "Date",
                        "isArray": False,
                        "isRequired": True,
                        "acceptValues": None,
                    },
                    {
                        "name": "BusinessUnitIds",
                        "label": "Business units",
                        "dataType": "Number",
                        "isArray": True,
                        "isRequired": False,
                        "acceptValues": {
                            "fields": [{"name": "Id", "label": "Id"}, {"name": "Name", "label": "Name"}],
                            "dynamicSetId": "business-units",
                            "values": None,
                        },
                    },
                ],
                "fields": [{"name": f, "label": f, "dataType": t} for f, t in fields],
            }
        )
    return out
