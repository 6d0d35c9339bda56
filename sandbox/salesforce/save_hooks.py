"""What the org's setup adds to a save (called by ``writer.ObjectWriter``): record types, Person Accounts,
duplicate rules. Each function returns quickly when the object has nothing of the kind."""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import duplicates, person_accounts, record_types


def before_save(writer: Any, rows: list[Any], existing: dict[str, dict] | None) -> None:
    """After the values are converted, before required fields are checked (``existing``: None on insert)."""
    record_types.check_rows(writer, rows, existing is None)
    person_accounts.before_save(writer, rows, existing)


def after_rules(writer: Any, rows: list[Any], existing: dict[str, dict] | None) -> None:
    """After validation rules, before the rows are written: duplicate rules."""
    duplicates.check_rows(writer, rows, existing)


def after_insert(writer: Any, rows: list[Any]) -> None:
    """After new rows are written: person accounts' person Contacts."""
    person_accounts.after_insert(writer, rows)


def after_update(writer: Any, rows: list[Any]) -> None:
    """After rows are updated: person fields carried to person Contacts."""
    person_accounts.after_update(writer, rows)
