"""Builders for the tenant's people and configuration: technicians, employees, business units, zones,
technician shifts and skills, job types and custom field types (all small, built whole and cached)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import catalog as cat
from .records import (
    BUSINESS_UNITS,
    EMPLOYEES,
    HOUR,
    SHIFTS,
    SKILL_ROWS,
    TECHNICIANS,
    ZONES,
    _ascii,
    phone,
    rid,
)
from .rng import Rng
from .timefmt import TICKS_PER_DAY, fmt

if TYPE_CHECKING:
    from .dataset import Dataset

ROLES = ("Dispatch", "CSR", "Admin", "Accounting", "FieldManager", "GeneralOffice")


def technician_records(ds: Dataset, overlay: bool = True) -> list[dict[str, Any]]:
    """Every technician as the settings export returns it (emails deliberately messy, see README)."""
    sc = ds.sk.scale
    n = sc.technicians
    seen: set[str] = set()
    out = []
    for t in range(n):
        r = Rng.for_record(ds.seed, TECHNICIANS, t)
        first, last = r.choice(ds.pools.first_names), r.choice(ds.pools.last_names)
        local = f"{_ascii(first)}.{_ascii(last)}"
        while local in seen:
            local += str(r.below(10))
        seen.add(local)
        email: str | None = f"{local}@{ds.company_domain}"
        style = {2: 20, 3: 5, 4: 25}.get(t, r.below(100))  # every kind of mess exists even at tiny
        if style < 15:  # odd case
            email = f"{first[:1].upper()}{local[1:]}@{ds.company_domain.upper()}"
        elif style < 23:  # surrounding whitespace
            email = f"  {email} " if style % 2 else f"{email}\t"
        elif style < 28:
            email = None
        mod = ds.modified(TECHNICIANS, t) if overlay else ds.base_ticks(TECHNICIANS, t)
        if overlay and ds.times(TECHNICIANS, t):  # an admin change: the technician's email changed
            email = f"{local}.{ds.times(TECHNICIANS, t)}@new.{ds.company_domain}"
        zone_ids = sorted({ds.zone_id(r) for _ in range(r.between(1, 3))})
        skills = sorted({r.below(len(cat.SKILLS)) for _ in range(r.between(1, 4))})
        bu = cat.BUSINESS_UNITS[r.below(4)]
        active = t != 5 and (t < 2 or not r.chance(0.1))
        out.append(
            {
                "id": rid(TECHNICIANS, t),
                "userId": rid(TECHNICIANS, t) + 5_000_000,
                "name": f"{first} {last}",
                "roleIds": [1],
                "businessUnitId": bu.id,
                "mainZoneId": zone_ids[0],
                "zoneIds": zone_ids,
                "createdOn": fmt(mod - r.between(30, 900) * TICKS_PER_DAY),
                "modifiedOn": fmt(mod),
                "email": email,
                "phoneNumber": phone(r),
                "loginName": local,
                "home": None,
                "dailyGoal": float(r.between(8, 30) * 100),
                "isManagedTech": r.chance(0.8),
                "licenseType": r.choice(("ManagedTech", "ManagedTech", "NonManagedTech", "ManagedInstaller")),
                "customFields": None,
                "active": active,
                "aadUserId": None,
                "burdenRate": 0.0,
                "team": r.choice(("Red", "Blue", "Install crew", None)),
                "jobFilter": None,
                "permissions": None,
                "accountLocked": False,
                "commissionRate": 0.0,
                "currentValue": None,
                "firstName": first,
                "lastName": last,
                "hourlyRate": float(r.between(22, 55)),
                "jobId": None,
                "mobilePhone": phone(r),
                "outboundCallerId": None,
                "payrollId": f"P{10000 + t}",
                "payrollProfileId": None,
                "appoitmentId": None,
                "shiftStart": "08:00:00",
                "shiftEnd": "17:00:00",
                "soldByRate": 0.0,
                "startDate": fmt(mod - 900 * TICKS_PER_DAY),
                "status": r.choice(("Idle", "Dispatched", "Working", "Meal")),
                "skills": [{"id": 200 + s, "name": cat.SKILLS[s]} for s in skills],
                "positions": None,
                "location": None,
                "bio": None,
                "memo": None,
            }
        )
    return out


def employee_records(ds: Dataset, overlay: bool = True) -> list[dict[str, Any]]:
    """Office staff (dispatchers, CSRs...): the creators of records and the actors in job history."""
    out = []
    for e in range(ds.sk.scale.employees):
        r = Rng.for_record(ds.seed, EMPLOYEES, e)
        first, last = r.choice(ds.pools.first_names), r.choice(ds.pools.last_names)
        mod = ds.modified(EMPLOYEES, e) if overlay else ds.base_ticks(EMPLOYEES, e)
        out.append(
            {
                "customFields": None,
                "permissions": None,
                "id": rid(EMPLOYEES, e),
                "userId": rid(EMPLOYEES, e) + 5_000_000,
                "name": f"{first} {last}",
                "firstName": first,
                "lastName": last,
                "managerId": None,
                "role": ROLES[e % len(ROLES)],
                "roleIds": [2 + e % len(ROLES)],
                "businessUnitId": None,
                "createdOn": fmt(mod - r.between(30, 900) * TICKS_PER_DAY),
                "modifiedOn": fmt(mod),
                "email": f"{_ascii(first)}.{_ascii(last)}@{ds.company_domain}",
                "phoneNumber": phone(r),
                "loginName": f"{_ascii(first)}{e}",
                "active": e < 3 or not r.chance(0.15),
                "aadUserId": None,
                "accountLocked": False,
                "home": None,
                "agentId": 0,
                "startDate": None,
                "terminationDate": None,
                "hourlyRate": float(r.between(18, 40)),
                "overtimeProfileId": None,
            }
        )
    return out


def business_unit_records(ds: Dataset) -> list[dict[str, Any]]:
    out = []
    for b, bu in enumerate(cat.BUSINESS_UNITS):
        mod = ds.modified(BUSINESS_UNITS, b)
        out.append(
            {
                "id": bu.id,
                "active": bu.active,
                "name": bu.name,
                "officialName": f"{bu.name} — {ds.company_name}",
                "email": f"{_ascii(bu.name.split()[0])}@{ds.company_domain}",
                "currency": "USD",
                "phoneNumber": "(555) 010-0000",
                "invoiceHeader": f"<h1>{ds.company_name}</h1>",
                "invoiceMessage": "<p>Thank you for your business!</p>",
                "defaultTaxRate": 0.0825,
                "authorizationParagraph": None,
                "acknowledgementParagraph": None,
                "address": {
                    "street": "100 Main St",
                    "unit": None,
                    "city": "Springfield",
                    "state": "IL",
                    "zip": "62701",
                    "country": "USA",
                    "latitude": 39.7817,
                    "longitude": -89.6501,
                    "isManualCoordinates": False,
                    "isMilitary": False,
                },
                "materialSku": None,
                "quickbooksClass": None,
                "accountCode": None,
                "franchiseId": None,
                "conceptCode": None,
                "corporateContractNumber": None,
                "trade": None,
                "division": None,
                "tagTypeIds": None,
                "tenant": None,
                "createdOn": fmt(mod - 1000 * TICKS_PER_DAY),
                "modifiedOn": fmt(mod),
                "externalData": None,
                "certifiedSentriconSpecialistCode": None,
            }
        )
    return out


def zone_records(ds: Dataset) -> list[dict[str, Any]]:
    n = ds.sk.scale.zones
    techs = ds.technicians
    out = []
    for z in range(n):
        r = Rng.for_record(ds.seed, ZONES, z)
        places = [r.choice(ds.pools.places) for _ in range(3)]
        mod = ds.base_ticks_for(ZONES, z, n)
        out.append(
            {
                "id": rid(ZONES, z),
                "active": z != n - 1,
                "name": f"Zone {z + 1} – {places[0][0]}",
                "zips": sorted({p[2] for p in places}),
                "cities": sorted({p[0] for p in places}),
                "territoryNumbers": [f"T{z + 1:02d}"],
                "locnNumbers": [],
                "createdBy": ds.employees[0]["id"],
                "createdOn": fmt(mod - 400 * TICKS_PER_DAY),
                "modifiedOn": fmt(mod),
                "serviceDaysEnabled": z % 3 == 0,
                "serviceDays": ["Monday", "Wednesday", "Friday"] if z % 3 == 0 else None,
                "businessUnits": [cat.BUSINESS_UNITS[z % 4].id],
                "technicians": [t["id"] for t in techs if rid(ZONES, z) in t["zoneIds"]],
            }
        )
    return out


def shift_records(ds: Dataset) -> list[dict[str, Any]]:
    out = []
    for t, tech in enumerate(ds.technicians):
        for k in range(4):
            n = t * 4 + k
            r = Rng.for_record(ds.seed, SHIFTS, n)
            mod = ds.base_ticks_for(SHIFTS, n, len(ds.technicians) * 4)
            start = mod - mod % TICKS_PER_DAY + 8 * HOUR + k * TICKS_PER_DAY
            kind = ("Normal", "Normal", "OnCall", "TimeOff")[k]
            out.append(
                {
                    "id": rid(SHIFTS, n),
                    "shiftType": kind,
                    "title": {"Normal": "Day shift", "OnCall": "On call – nights", "TimeOff": "PTO"}[kind],
                    "note": r.choice((None, "Swap approved by manager", "Dentist 2pm")),
                    "active": not (kind == "TimeOff" and r.chance(0.3)),
                    "technicianId": tech["id"],
                    "start": fmt(start),
                    "end": fmt(start + (9 if kind != "OnCall" else 14) * HOUR),
                    "timesheetCodeId": None,
                    "createdOn": fmt(mod - 7 * TICKS_PER_DAY),
                    "modifiedOn": fmt(mod),
                }
            )
    return out


def skill_records(ds: Dataset) -> list[dict[str, Any]]:
    out = []
    total = sum(len(t["skills"]) for t in ds.technicians)
    for tech in ds.technicians:
        for skill in tech["skills"]:
            n = len(out)
            mod = ds.base_ticks_for(SKILL_ROWS, n, total)
            job_types = [jt.id for jt in cat.JOB_TYPES if skill["name"] in jt.skills]
            out.append(
                {
                    "id": f"{tech['id']}-{skill['id']}",
                    "name": skill["name"],
                    "active": tech["active"],
                    "technicianId": tech["id"],
                    "jobTypeIds": job_types or None,
                    "createdOn": fmt(mod - 200 * TICKS_PER_DAY),
                    "modifiedOn": fmt(mod),
                }
            )
    return out


def job_type_records(ds: Dataset) -> list[dict[str, Any]]:
    out = []
    for n, jt in enumerate(cat.JOB_TYPES):
        mod = ds.base_ticks_for(17, n, len(cat.JOB_TYPES))
        out.append(
            {
                "id": jt.id,
                "name": jt.name,
                "businessUnitIds": [cat.BUSINESS_UNITS[jt.business_unit].id],
                "skills": list(jt.skills),
                "tagTypeIds": [],
                "priority": "Normal" if jt.job_class != "Service" else "High",
                "duration": jt.duration_s,
                "soldThreshold": None,
                "class": jt.job_class,
                "summary": f"{jt.name} ({jt.job_class.lower()})",
                "noCharge": False,
                "enforceRecurringServiceEventSelection": None,
                "invoiceSignaturesRequired": jt.job_class != "Maintenance",
                "modifiedOn": fmt(mod),
                "createdOn": fmt(mod - 600 * TICKS_PER_DAY),
                "externalData": [],
                "active": jt.active,
                "isSmartDispatched": jt.job_class == "Service",
                "defaultEstimateSoldAction": "None",
                "customFieldTypeIds": [f.id for f in cat.JOB_FIELDS],
            }
        )
    return out


def custom_field_type_records(ds: Dataset, fields: tuple[cat.CustomFieldType, ...]) -> list[dict[str, Any]]:
    out = []
    for n, f in enumerate(fields):
        mod = ds.base_ticks_for(26, f.id, 500)
        out.append(
            {
                "id": f.id,
                "name": f.name,
                "dataType": f.data_type,
                "dataTypeOptions": list(f.options) if f.options else None,
                "createdOn": fmt(mod - (n + 100) * TICKS_PER_DAY),
                "modifiedOn": fmt(mod),
            }
        )
    return out
