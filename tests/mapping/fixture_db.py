"""A tiny raw DuckDB shaped like the dlt extract (schema raw_dispatch_pro), built from the CSVs in fixtures/.

The rows exercise every mapping rule (too-long values, invalid email, missing names, multi-site customers,
duplicates, inline images, long notes, oversize files).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

FIXTURES = Path(__file__).parent / "fixtures"
RAW_SCHEMA = "raw_dispatch_pro"

# Dirty values planted on top of the CSVs (characters a CSV file hides badly), each asserted in
# tests/mapping/test_losses.py: where the value ends up.
PLANTED = (
    # a technician email ending in a tab: normalised in staging, matched, not flagged invalid_email
    "update {raw}.technicians set email = 'sam@example.com' || chr(9) where id = 3",
    # whitespace-only (tab, no-break space) and empty address parts are missing: the address is incomplete
    "update {raw}.customers set address__city = chr(9) || chr(160), address__state = '' where id = 4",
    # a person's name in Unicode letters on a commercial customer's contact method: a Contact
    "insert into {raw}.customer_contacts values (109, 5, 'Email', 'soren@globex.test', 'Søren Fisher', true, "
    "'2024-01-06T10:00:00Z', '2024-01-06T10:00:00Z')",
    # an unpaid credit invoice (total -25, nothing paid): Credit, not Paid
    "insert into {raw}.invoices values (8003, 'CR-8003', '2024-02-05T00:00:00Z', null, -25.00, 0.00, -25.00, "
    "-25.00, null, 1, 'Acme Plumbing Supply', 1001, 'J-1001', true, '2024-02-05T16:00:00Z', "
    "'2024-02-05T16:00:00Z', 'i8003')",
    # dates outside Salesforce's range (1700-01-01..4000-12-31) on a custom property of an Account and of a
    # Case: the value is flagged (date_out_of_range), the record loads
    "insert into {raw}.customers__custom_fields values "
    "('c1', 2, 104, 'Contract Renewal', '0001-02-25', 'cf90')",
    "insert into {raw}.jobs__custom_fields values ('j1002', 9, 304, 'Inspection Date', '4100-01-01', 'jf90')",
    # a custom property nobody seeded: listed in flagged_values (no_target_field), never dropped
    "insert into {raw}.jobs__custom_fields values ('j1001', 9, 399, 'Serial Number', 'SN-778', 'jf91')",
    # money with more decimals than its field keeps (Currency(16,2), Number(18,0)): flagged, never rounded
    "insert into {raw}.invoice_items values (8190, 8000, 'Solder', 1, 12.345, 12.345, 'Material', 'SOLDER', "
    "9, true, 9, '2024-02-01T16:00:00Z', '2024-02-01T16:00:00Z')",
    "insert into {raw}.locations__custom_fields values ('l15', 2, 202, 'Equipment Count', '3100.5', 'lf90')",
    # a note whose "<" and ">" are not tags, and a remote image: html_to_text (a real HTML parser) keeps both
    "update {raw}.jobs set summary = 'Keep temp <40F and check pressure >2 bar, ok "
    '<img src="https://cdn.example.test/gauge.png">\' where id = 1001',
    # signatures captured on forms (form_submissions__units): job 1002's image could not be downloaded
    # (no file id in the forms spec; listed in file_errors), job 1001's signature was refused
    "insert into {raw}.form_submissions values (4001, 1, 'Job Completion', 1002, null, null, 'Completed', "
    "'2024-02-03T15:05:00Z', null, 'fs4001'), (4002, 1, 'Job Completion', 1001, null, null, 'Completed', "
    "'2024-02-02T15:05:00Z', null, 'fs4002')",
    "create table {raw}.form_submissions__units as select * from (values "
    "('fs4001', 0, 2, 'Customer signature', 'Signature', 'Lee Signer', null, false, null, 'u1'), "
    "('fs4002', 0, 2, 'Customer signature', 'Signature', null, null, true, 'customer away', 'u2')) "
    "as t(_dlt_parent_id, _dlt_list_idx, id, name, type, value, comment, is_refused, refusal_reason, "
    "_dlt_id)",
    "create table {raw}.file_errors as select 'signature' as kind, 'submission 4001 unit 2 #0' as source_id, "
    "1002 as job_id, 'signature.png' as file_name, null as download_path, "
    "'the attachment carries no id' as error, '2024-03-01T00:00:00Z' as failed_at",
    # issue 9, item 1: source fields that had no target (asserted in tests/mapping/test_fields_mapped.py)
    "alter table {raw}.customers add column do_not_mail boolean",
    "alter table {raw}.customers add column do_not_service boolean",
    "alter table {raw}.customers add column tax_exempt boolean",
    "update {raw}.customers set do_not_mail = true, tax_exempt = true where id = 1",
    "update {raw}.customers set do_not_service = true where id = 2",
    "alter table {raw}.locations add column tax_exempt boolean",
    "update {raw}.locations set tax_exempt = true where id in (15, 16)",
    "alter table {raw}.jobs add column customer_po varchar",
    "update {raw}.jobs set customer_po = 'PO-4471' where id = 1000",
    "alter table {raw}.invoices add column summary varchar",
    "update {raw}.invoices set summary = '<p>Boiler replaced &amp; tested</p>' where id = 8000",
    # a second phone, an inactive email (residential); a fax and a company email with no person (commercial)
    "insert into {raw}.customer_contacts values "
    "(110, 2, 'Phone', '555-0299', 'work #', true, '2024-01-03T10:00:00Z', '2024-01-03T10:00:00Z'), "
    "(111, 1, 'Fax', '555-0109', null, true, '2024-01-02T10:00:00Z', '2024-01-02T10:00:00Z'), "
    "(112, 1, 'Email', 'billing@acme.test', 'billing', true, "
    "'2024-01-02T10:00:00Z', '2024-01-02T10:00:00Z'), "
    "(113, 2, 'Email', 'jane.old@example.test', null, false, '2024-01-03T10:00:00Z', '2024-01-03T10:00:00Z')",
    # a site's own contact methods: a multi-site customer's site (Location__c) and a single site (its Contact)
    "create table {raw}.location_contacts as select * from (values "
    "(120, 14, 'Phone', '555-1400', 'gate code 12', true, '2024-01-05T10:00:00Z', '2024-01-05T10:00:00Z'), "
    "(121, 12, 'Email', 'home@jane.test', null, true, '2024-01-03T10:00:00Z', '2024-01-03T10:00:00Z')) "
    "as t(id, location_id, type, value, memo, active, created_on, modified_on)",
    # invoice tax and custom values (tests/mapping/test_order_mode.py): the Order keeps subtotal, tax, summary
    "update {raw}.invoices set sales_tax = 0.80, total = 10.80, balance = 10.80 where id = 8002",
    "create table {raw}.invoices__custom_fields as select * from (values "
    "('i8000', 0, 501, 'PO Required', 'Yes', 'if1'), "
    "('i8002', 0, 502, 'Billing Notes', 'Call AP first', 'if2')) "
    "as t(_dlt_parent_id, _dlt_list_idx, type_id, name, value, _dlt_id)",
    # ServiceTitan's licence tier (licenseType) and a real certification listed among the skills
    "update {raw}.technicians set license_type = 'ManagedTech' where id = 1",
    "insert into {raw}.technicians__skills values ('tech1', 2, 's3', 'EPA 608', 'ts4'), "
    "('tech1', 3, 's4', 'Electrical License', 'ts5')",
    # issue 17 §3: source fields once declared "no target" (each lands in a default custom field; the values
    # are asserted in tests/mapping/test_silent_changes.py)
    "alter table {raw}.jobs add column no_charge boolean",
    "alter table {raw}.jobs add column notifications_enabled boolean",
    "alter table {raw}.appointments add column is_confirmed boolean",
    "alter table {raw}.appointments add column unused boolean",
    "alter table {raw}.invoices add column discount_total decimal(12, 2)",
    "alter table {raw}.invoices add column sales_tax_code__tax_rate decimal(12, 6)",
    "alter table {raw}.invoices add column term_name varchar",
    "alter table {raw}.invoices add column review_status varchar",
    "alter table {raw}.invoices add column sent_status varchar",
    "alter table {raw}.invoices add column sync_status varchar",
    "alter table {raw}.invoice_items add column cost decimal(12, 2)",
    "alter table {raw}.invoice_items add column total_cost decimal(12, 2)",
    "alter table {raw}.invoice_items add column sold_hours decimal(12, 2)",
    "alter table {raw}.invoice_items add column taxable boolean",
    "alter table {raw}.invoice_items add column add_on boolean",
    "alter table {raw}.invoice_items add column is_chargeable boolean",
    "alter table {raw}.invoice_items add column inventory boolean",
    "alter table {raw}.invoice_items add column service_date varchar",
    "alter table {raw}.invoice_items add column display_name varchar",
    "alter table {raw}.customers add column national_account boolean",
    "alter table {raw}.payments__applied_to add column applied_on varchar",
    "alter table {raw}.payments__applied_to add column applied_by varchar",
    "alter table {raw}.payments__applied_to add column applied_to_reference_number varchar",
    "alter table {raw}.customer_contacts add column phone_settings__do_not_text boolean",
    "alter table {raw}.customer_contacts add column preferences__job_reminders_enabled boolean",
    "alter table {raw}.customer_contacts add column preferences__marketing_updates_enabled boolean",
    "alter table {raw}.customer_contacts add column preferences__invoice_notification boolean",
    "alter table {raw}.customer_contacts add column preferences__invoice_statement_notification boolean",
    "alter table {raw}.customer_contacts add column preferences__statement_notification boolean",
    "alter table {raw}.location_contacts add column phone_settings__do_not_text boolean",
    "alter table {raw}.location_contacts add column preferences__job_reminders_enabled boolean",
    "alter table {raw}.location_contacts add column preferences__marketing_updates_enabled boolean",
    "alter table {raw}.location_contacts add column preferences__invoice_notification boolean",
    "alter table {raw}.location_contacts add column preferences__invoice_statement_notification boolean",
    "alter table {raw}.location_contacts add column preferences__statement_notification boolean",
    "update {raw}.invoices set sales_tax_code__tax_rate = 0.0825, term_name = 'Net 30', "
    "sent_status = 'Sent', review_status = 'Reviewed', sync_status = 'Posted' where id = 8000",
    "update {raw}.payments__applied_to set applied_on = '2024-02-05T10:00:00Z', applied_by = 'Dana', "
    "applied_to_reference_number = 'CHK-1001'",
)


# Values no value map knows (a status, a priority, an item type, a scheduling tool): with these `dbt build`
# fails naming each one (tests/assert_every_source_value_is_mapped.sql), so the shared fixture maps every
# value and a test that wants an unmapped value plants these (plant_unmapped_values).
UNMAPPED = (
    "update {raw}.jobs set job_status = 'Teleported' where id = 1006",
    "update {raw}.job_dispatch_metadata set priority = 'Whenever' where job_id = 1008",
    "update {raw}.invoice_items set type = 'Mystery' where id = 8104",
    "update {raw}.job_history set used_scheduling_tool = 'QuantumTool' where id = 9004",
)


# Issue 17 §3, the silent changes (asserted in tests/mapping/test_silent_changes.py): notes a browser reads
# with text dropped, memos naming another person, numbers and dates written in the source locale.
SILENT_CHANGES = (
    # notes: the example (a Case summary), an unknown element in a job note, a clean appointment note
    "update {raw}.jobs set summary = 'Compressor A<B and B>C per spec; if a<b && c>d call office' "
    "where id = 1003",
    "insert into {raw}.job_notes values (7010, 1001, '<p>Check <xray>film</xray> &amp; <b>valve</b></p>', "
    "false, 9, '2024-02-02T12:00:00Z', '2024-02-02T12:00:00Z', true)",
    "update {raw}.appointments set special_instructions = 'Ring <b>twice</b>, temp <40F ok' where id = 5000",
    # memos: the daughter's mobile (listed before the customer's own), a named person, a memo that describes
    "insert into {raw}.customer_contacts (id, customer_id, type, value, memo, active, created_on, "
    "modified_on) values "
    "(98, 3, 'Phone', '555-0300', 'Kelly Smith', true, '2024-01-04T10:00:00Z', '2024-01-04T10:00:00Z'), "
    "(99, 2, 'MobilePhone', '(555) 010-2030', 'Owner’s daughter - Kelly', true, "
    "'2024-01-03T09:00:00Z', '2024-01-03T09:00:00Z')",
    "update {raw}.customer_contacts set memo = 'cell' where id = 103",
    # preferences of a method in a standard field: they end its line, so they travel with the value
    "update {raw}.customer_contacts set phone_settings__do_not_text = true, "
    "preferences__marketing_updates_enabled = false where id = 104",
    # numbers and dates in the source locale (en_US): 1/2/25 is 2025-01-02; "1,5" and "1.234,5" read two ways
    "insert into {raw}.customers__custom_fields values ('c3', 0, 104, 'Contract Renewal', '1/2/25', 'cf95'), "
    "('c3', 1, 105, 'Square Footage', '1,5', 'cf96'), ('c4', 0, 105, 'Square Footage', '1.234,5', 'cf97'), "
    "('c4', 1, 104, 'Contract Renewal', '2026-02-29', 'cf98')",
    "insert into {raw}.jobs__custom_fields values ('j1003', 1, 302, 'Equipment Age (yrs)', '12,34', 'jf95'), "
    "('j1003', 2, 304, 'Inspection Date', '12/31/25', 'jf96')",
    # fields once declared "no target": each lands in its default custom field; an inactive job keeps its flag
    "update {raw}.jobs set active = false where id = 1005",
    "update {raw}.jobs set no_charge = true where id = 1001",
    "update {raw}.appointments set is_confirmed = true where id = 5000",
    "update {raw}.invoices set discount_total = 25.00 where id = 8001",
    "update {raw}.invoice_items set cost = 4.50, taxable = true, service_date = '2024-02-03T00:00:00Z' "
    "where id = 8104",
)


def plant_silent_changes(path: Path) -> Path:
    """Plant ``SILENT_CHANGES`` in the raw DB at ``path`` (from ``build_fixture_db``); returns the path."""
    with duckdb.connect(str(path)) as con:
        for statement in SILENT_CHANGES:
            con.execute(statement.format(raw=RAW_SCHEMA))
    return path


def plant_unmapped_values(path: Path) -> Path:
    """Plant ``UNMAPPED`` in the raw DB at ``path`` (built by ``build_fixture_db``); returns the path."""
    with duckdb.connect(str(path)) as con:
        for statement in UNMAPPED:
            con.execute(statement.format(raw=RAW_SCHEMA))
    return path


def build_fixture_db(path: Path) -> Path:
    """Create (or replace) the raw tables at ``path``; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        for csv_path in sorted(FIXTURES.glob("*.csv")):
            con.execute(
                f"create or replace table {RAW_SCHEMA}.{csv_path.stem} as "
                "select * from read_csv(?, header = true, auto_detect = true, all_varchar = false)",
                [str(csv_path)],
            )
        for statement in PLANTED:
            con.execute(statement.format(raw=RAW_SCHEMA))
        con.execute(
            f"create or replace table {RAW_SCHEMA}._dlt_loads as select '1767225600.123' as load_id, "
            "'dispatch_pro' as schema_name, 0 as status, now() as inserted_at"
        )
    return path
