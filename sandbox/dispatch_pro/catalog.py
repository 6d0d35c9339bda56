"""Fixed reference data of the simulated tenant: custom field types, job types, business units, skills.

These are small, seed-independent lists (the tenant's configuration), shared by the record builders.
"""

from __future__ import annotations

from typing import NamedTuple


class CustomFieldType(NamedTuple):
    id: int
    name: str
    data_type: str  # Text | Dropdown | Numeric
    options: tuple[str, ...]
    flavour: str  # how values look: text, bool, date, number, option


CUSTOMER_FIELDS = (
    CustomFieldType(
        101, "Referral Source", "Dropdown", ("Google", "Yelp", "Referral", "Repeat", "Door Hanger"), "option"
    ),
    CustomFieldType(102, "Gate Code", "Text", (), "text"),
    CustomFieldType(103, "Has Pets", "Text", (), "bool"),
    CustomFieldType(104, "Contract Renewal", "Text", (), "date"),
    CustomFieldType(105, "Square Footage", "Numeric", (), "number"),
    CustomFieldType(106, "Preferred Contact Time", "Dropdown", ("Morning", "Afternoon", "Evening"), "option"),
)
LOCATION_FIELDS = (
    CustomFieldType(201, "Access Notes", "Text", (), "text"),
    CustomFieldType(202, "Equipment Count", "Numeric", (), "number"),
    CustomFieldType(203, "Service Contract", "Dropdown", ("None", "Silver", "Gold", "Platinum"), "option"),
    CustomFieldType(204, "Last Inspection", "Text", (), "date"),
)
JOB_FIELDS = (
    CustomFieldType(301, "Warranty Claim #", "Text", (), "text"),
    CustomFieldType(302, "Equipment Age (yrs)", "Numeric", (), "number"),
    CustomFieldType(303, "Permit Required", "Text", (), "bool"),
    CustomFieldType(304, "Inspection Date", "Text", (), "date"),
    CustomFieldType(305, "Lead Quality", "Dropdown", ("Hot", "Warm", "Cold"), "option"),
    CustomFieldType(306, "Follow-up Needed", "Dropdown", ("Yes", "No"), "option"),
)
INVOICE_FIELDS = (
    CustomFieldType(401, "PO Required", "Dropdown", ("Yes", "No"), "option"),
    CustomFieldType(402, "Billing Notes", "Text", (), "text"),
)

BOOL_LIKE = ("Yes", "no", "TRUE", "false", "Y", "0", "1")
DATE_LIKE = ("2025-03-01", "03/15/2026", "2024-11-30T00:00:00", "next spring", "1/2/25", "2026-02-29")
NUMBER_LIKE = ("1850", "2,400", "3100.5", "0", "-1", "12", "n/a")
TEXT_LIKE = ("#4471", "call first", "Ünit B — side door", "<b>code</b> 9981", "", "gate 1234 & dog")


class BusinessUnit(NamedTuple):
    id: int
    name: str
    active: bool


BUSINESS_UNITS = (
    BusinessUnit(110_000_001, "HVAC Service", True),
    BusinessUnit(110_000_002, "HVAC Install", True),
    BusinessUnit(110_000_003, "Plumbing Service", True),
    BusinessUnit(110_000_004, "Electrical Service", True),
    BusinessUnit(110_000_005, "Legacy Drains (closed)", False),
)


class JobType(NamedTuple):
    id: int
    name: str
    business_unit: int  # index into BUSINESS_UNITS
    job_class: str
    duration_s: int
    skills: tuple[str, ...]
    active: bool


JOB_TYPES = (
    JobType(170_000_001, "No Heat", 0, "Service", 7200, ("HVAC Certified",), True),
    JobType(170_000_002, "No Cool", 0, "Service", 7200, ("HVAC Certified", "EPA 608"), True),
    JobType(170_000_003, "AC Tune-Up", 0, "Maintenance", 3600, ("HVAC Certified",), True),
    JobType(170_000_004, "Furnace Install", 1, "Install", 28800, ("HVAC Certified", "Gas Fitting"), True),
    JobType(170_000_005, "Drain Cleaning", 2, "Service", 5400, ("Plumbing",), True),
    JobType(170_000_006, "Water Heater Replacement", 2, "Install", 14400, ("Plumbing", "Gas Fitting"), True),
    JobType(170_000_007, "Panel Upgrade", 3, "Install", 21600, ("Electrical License",), True),
    JobType(170_000_008, "Leak Detection", 2, "Service", 5400, ("Plumbing",), True),
    JobType(170_000_009, "Legacy Service Call", 4, "Service", 3600, (), False),
)

SKILLS = (
    "HVAC Certified",
    "EPA 608",
    "Gas Fitting",
    "Plumbing",
    "Electrical License",
    "Backflow Testing",
    "Commercial Refrigeration",
    "Solar PV",
)

ITEM_CATALOG = (
    # (type, sku name, description, price in cents, taxable)
    ("Service", "SVC-DIAG", "Diagnostic fee", 8900, False),
    ("Service", "SVC-LABOR-HR", "Labor (per hour)", 12500, False),
    ("Service", "SVC-TUNEUP", "Seasonal tune-up <b>incl. filter</b>", 14900, False),
    ("Material", "MAT-CAP-45", "Dual run capacitor 45/5 µF", 4250, True),
    ("Material", "MAT-FILTER-16", "Pleated filter 16x25x1", 1899, True),
    ("Material", "MAT-PVC-2", '2" PVC pipe, 10 ft', 2375, True),
    ("Equipment", "EQ-WH-50G", "50 gal gas water heater", 139900, True),
    ("Equipment", "EQ-FURN-80K", "80k BTU furnace, 96% AFUE", 289900, True),
    ("PriceModifier", "DISC-MEMBER", "Member discount 10%", -2500, False),
    ("Unspecified", "LEGACY-MISC", "Misc. (imported from legacy system)", 1000, False),
)

SLA_HOURS = {
    "Emergency": 4,
    "Critical": 8,
    "Urgent": 24,
    "High": 48,
    "Elevated": 72,
    "Standard": 120,
    "Low": 240,
    "Deferred": 720,
}
