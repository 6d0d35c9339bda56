"""``invoices: order``: each Order keeps the invoice's subtotal, tax, summary and custom values, so its
total is the sum of its items plus tax (Salesforce's own Order.TotalAmount rolls up the items only).

One ``dbt build`` with ``invoices=order`` on the fixture raw DB (tests/mapping/fixture_db.py PLANTED).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from core.settings import get_settings
from mapping.transform import TransformResult, run_transform
from tests.mapping.fixture_db import build_fixture_db


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> TransformResult:
    root = tmp_path_factory.mktemp("orders")
    settings = get_settings(data_dir=root / "data", build_dir=root / "build")
    build_fixture_db(settings.duckdb_path)
    return run_transform(settings, invoices="order", docs=False)


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_order_keeps_tax_subtotal_summary_and_custom_values(built) -> None:
    rows = _rows(built.duckdb_path, """select "Dispatch_Pro_Id__c", "Sub_Total__c", "Sales_Tax__c",
        "Total_Amount__c", "Description", "PO_Required__c", "Billing_Notes__c" from salesforce."Order"
        where "Dispatch_Pro_Id__c" in ('invoice:8000', 'invoice:8002') order by 1""")  # fmt: skip
    assert rows == [
        (
            "invoice:8000",
            Decimal("150"),
            Decimal("0"),
            Decimal("150"),
            "Boiler replaced & tested",
            "Yes",
            None,
        ),
        ("invoice:8002", Decimal("10"), Decimal("0.8"), Decimal("10.8"), None, None, "Call AP first"),
    ]


def test_order_totals_are_the_sum_of_their_items_plus_tax(built) -> None:
    """Per Order with items, none held back: sum(Quantity x UnitPrice) = subtotal; subtotal + tax = total."""
    rows = _rows(built.duckdb_path, """
        with items as (
            select "Order.Dispatch_Pro_Id__c" as order_key, sum("Quantity" * "UnitPrice") as items_total
            from salesforce."OrderItem" group by 1
        ),
        held as (
            select distinct 'invoice:' || cast(i.invoice_id as varchar) as order_key
            from quarantine.quarantine_all q
            join raw_dispatch_pro.invoice_items i on q.source_key = 'invoice_item:' || cast(i.id as varchar)
            where q.object_name = 'OrderItem'
        )
        select o."Dispatch_Pro_Id__c", items.items_total, o."Sub_Total__c", o."Sales_Tax__c",
            o."Total_Amount__c"
        from salesforce."Order" o join items on items.order_key = o."Dispatch_Pro_Id__c"
        where o."Dispatch_Pro_Id__c" not in (select order_key from held)
        order by 1""")  # fmt: skip
    assert [r[0] for r in rows] == ["invoice:8001", "invoice:8002"]
    for key, items_total, sub_total, tax, total in rows:
        assert Decimal(str(round(items_total, 2))) == sub_total, key
        assert sub_total + tax == total, key
    # invoice 8000's planted 12.345 item is held back (UnitPrice is required; more decimals than its scale)
    held = _rows(built.duckdb_path, """select rule from quarantine.quarantine_all
        where object_name = 'OrderItem' and source_key = 'invoice_item:8190'""")  # fmt: skip
    assert ("too_many_decimals",) in held
