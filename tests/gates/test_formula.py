"""The validation-rule formula subset: what it evaluates, and what it refuses (left to the org)."""

from __future__ import annotations

import pandas as pd
import pytest

from expectations.formula import FormulaError, evaluate, parse

FRAME = pd.DataFrame(
    {
        "Phone": ["5551234567", "555", None, ""],
        "Status": ["New", "Closed", "Closed", "New"],
        "Amount__c": ["5", "50.5", None, "10"],
    }
)


@pytest.mark.parametrize(
    ("formula", "fires"),
    [
        ("ISBLANK(Phone)", [False, False, True, True]),
        ("AND(NOT(ISBLANK(Phone)), LEN(Phone) < 10)", [False, True, False, False]),
        ('ISPICKVAL(Status, "Closed") && ISBLANK(Phone)', [False, False, True, False]),
        ("Amount__c > 10", [False, True, False, False]),
        ("Amount__c >= 10 || Status = 'New'", [True, True, False, True]),
        ('NOT(REGEX(Phone, "[0-9]{10}"))', [False, True, True, True]),
        ("!(Status <> 'New')", [True, False, False, True]),
        ("Missing_Field__c = 'x'", [False, False, False, False]),
    ],
)
def test_subset_evaluates_like_salesforce(formula: str, fires: list[bool]) -> None:
    assert evaluate(formula, FRAME).tolist() == fires


@pytest.mark.parametrize("formula", ["VLOOKUP(a, b, c)", "PRIORVALUE(Status) = 'x'", "Amount__c +", ""])
def test_outside_the_subset_is_refused(formula: str) -> None:
    with pytest.raises(FormulaError):
        parse(formula)
