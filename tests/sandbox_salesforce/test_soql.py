"""SOQL over REST: operators, parent fields, date literals, ordering, paging, queryAll, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture(scope="module")
def data(org):
    sf = org.sf
    parent = sf.Account.create({"Name": "Soql Parent", "Dispatch_Pro_Id__c": "customer:soql"})["id"]
    rows = [
        {
            "LastName": f"Soql{i:04d}",
            "FirstName": "Q" if i % 2 else None,
            "AccountId": parent if i < 5 else None,
            "Email": f"soql{i}@example.com",
        }
        for i in range(2105)
    ]
    res = sf.bulk2.Contact.insert(
        records=[{k: ("" if v is None else v) for k, v in r.items()} for r in rows], wait=0.1
    )
    assert res[0]["numberRecordsFailed"] == 0
    return {"parent": parent}


def test_paging_over_2000_with_next_records_url(org, data):
    sf = org.sf
    first = sf.query("SELECT Id, LastName FROM Contact WHERE LastName LIKE 'Soql%'")
    assert first["totalSize"] == 2105 and first["done"] is False and len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    more = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert more["done"] is True and len(more["records"]) == 105
    every = sf.query_all("SELECT Id FROM Contact WHERE LastName LIKE 'Soql%'")
    assert len({r["Id"] for r in every["records"]}) == 2105


def test_count_and_where_operators(org, data):
    sf = org.sf
    count = lambda where: sf.query(f"SELECT COUNT() FROM Contact WHERE {where}")["totalSize"]  # noqa: E731
    assert count("LastName LIKE 'soql%'") == 2105  # LIKE is case-insensitive
    assert count("LastName = 'SOQL0001'") == 1  # so is =
    assert count("LastName LIKE 'Soql%' AND FirstName = null") == 1053
    assert count("LastName LIKE 'Soql%' AND FirstName != null") == 1052
    assert count("LastName IN ('Soql0001', 'Soql0002', 'nobody')") == 2
    assert count("LastName LIKE 'Soql000%' AND LastName NOT IN ('Soql0001')") == 9
    assert count("(LastName = 'Soql0001' OR LastName = 'Soql0002') AND NOT FirstName = 'Q'") == 1
    assert count("LastName LIKE 'Soql%' AND LastName > 'Soql2100'") == 4
    assert count("LastName LIKE 'Soql%' AND LastName <= 'Soql0009'") == 10
    assert count(f"AccountId = '{data['parent']}'") == 5
    assert count(f"AccountId = '{data['parent'][:15]}'") == 5
    assert count("Account.Dispatch_Pro_Id__c = 'customer:soql'") == 5
    assert count("CreatedDate = TODAY AND LastName LIKE 'Soql%'") == 2105
    assert count("CreatedDate = LAST_N_DAYS:3 AND LastName LIKE 'Soql%'") == 2105
    assert count("CreatedDate < YESTERDAY AND LastName LIKE 'Soql%'") == 0
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    assert count(f"CreatedDate < {tomorrow} AND LastName LIKE 'Soql%'") == 2105


def test_parent_fields_nested_like_salesforce(org, data):
    recs = org.sf.query(
        "SELECT Id, Name, Account.Name, Owner.Name FROM Contact WHERE LastName IN "
        "('Soql0000', 'Soql0010') ORDER BY LastName"
    )["records"]
    assert recs[0]["Account"]["Name"] == "Soql Parent"
    assert recs[0]["Account"]["attributes"]["type"] == "Account"
    assert recs[1]["Account"] is None
    assert recs[0]["Owner"]["Name"] == "Integration User"
    assert recs[0]["Name"] == "Soql0000"  # compound name from First/Last
    assert list(recs[0]) == ["attributes", "Id", "Name", "Account", "Owner"]


def test_order_limit_offset_nulls(org, data):
    sf = org.sf
    recs = sf.query(
        "SELECT LastName FROM Contact WHERE LastName LIKE 'Soql%' ORDER BY LastName DESC LIMIT 3 OFFSET 1"
    )
    assert [r["LastName"] for r in recs["records"]] == ["Soql2103", "Soql2102", "Soql2101"]
    assert recs["totalSize"] == 3
    recs = sf.query(
        "SELECT LastName, FirstName FROM Contact WHERE LastName IN ('Soql0001','Soql0002') "
        "ORDER BY FirstName ASC NULLS LAST"
    )["records"]
    assert [r["FirstName"] for r in recs] == ["Q", None]
    assert (
        sf.query("SELECT COUNT(Id) FROM Contact WHERE LastName LIKE 'Soql%'")["records"][0]["expr0"] == 2105
    )


def test_query_all_sees_deleted(org, data):
    sf = org.sf
    rid = sf.Contact.create({"LastName": "Gone Soon"})["id"]
    sf.Contact.delete(rid)
    assert sf.query("SELECT COUNT() FROM Contact WHERE LastName = 'Gone Soon'")["totalSize"] == 0
    rows = sf.query_all(
        "SELECT Id, IsDeleted FROM Contact WHERE LastName = 'Gone Soon'", include_deleted=True
    )
    assert rows["records"][0]["IsDeleted"] is True


@pytest.mark.parametrize(
    ("soql", "code", "needle"),
    [
        ("SELECT Id FORM Contact", "MALFORMED_QUERY", "FORM"),
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY", "unexpected"),
        ("SELECT Nope__c FROM Contact", "INVALID_FIELD", "No such column 'Nope__c'"),
        ("SELECT Id FROM Nothing__c", "INVALID_TYPE", "sObject type 'Nothing__c' is not supported"),
        ("SELECT Bogus__r.Name FROM Contact", "INVALID_FIELD", "Didn't understand relationship 'Bogus__r'"),
        ("SELECT Id FROM Contact WHERE CreatedDate = '2024-01-01'", "INVALID_FIELD", "dateTime"),
        ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "MALFORMED_QUERY", "subqueries"),
        ("SELECT Id FROM Contact WHERE LastName = 5", "INVALID_FIELD", "LastName"),
    ],
)
def test_query_errors(org, soql, code, needle):
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.query(soql)
    err = exc.value.content[0]
    assert err["errorCode"] == code and needle in err["message"], err


def test_custom_relationship_path(org, data):
    sf = org.sf
    loc = sf.Location__c.create({"Name": "Depot", "Dispatch_Pro_Id__c": "location:1"})["id"]
    sf.Case.create({"Subject": "at depot", "Location__c": loc})
    rec = sf.query("SELECT Subject, Location__r.Dispatch_Pro_Id__c FROM Case WHERE Location__c != null")[
        "records"
    ]
    assert rec[0]["Location__r"]["Dispatch_Pro_Id__c"] == "location:1"


def test_a_query_by_external_id_is_driven_by_its_index(org, data):
    # Salesforce drives "<external id> IN (...)" from the external id's index (and has no index on
    # IsDeleted); the stand-in's SQLite picked its IsDeleted index for the same filter and scanned the
    # whole table per query, minutes of waiting at M for the loader's and the reconciliation's lookups
    import sqlite3

    keys = [f"customer:plan{i}" for i in range(200)]
    (db,) = list(org.state_dir.rglob("org.sqlite"))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        plan = con.execute(
            "EXPLAIN QUERY PLAN SELECT t0.Id FROM Contact AS t0 "
            f"WHERE t0.IsDeleted = 0 AND t0.Dispatch_Pro_Id__c IN ({', '.join('?' for _ in keys)}) "
            "ORDER BY t0.rowid",
            keys,
        ).fetchall()
    finally:
        con.close()
    used = " ".join(str(step[-1]) for step in plan)
    assert "USING INDEX ix_Contact_Dispatch_Pro_Id__c" in used, used
    found = org.sf.query(f"SELECT Id FROM Contact WHERE Dispatch_Pro_Id__c IN ('{keys[0]}', '{keys[1]}')")
    assert found["totalSize"] == 0
