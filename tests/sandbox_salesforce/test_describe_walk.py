"""The describe and the behaviour agree (issue 8, must show): for every relationship the org's own describe
publishes, make a parent and a child over REST, delete the parent and check the delete does what
``childRelationships`` says (cascadeDelete: the child goes to the recycle bin with it; restrictedDelete: the
delete is refused; neither: the child's lookup is cleared), then undelete and check it is all back."""

from __future__ import annotations

import itertools

import pytest

# objects a client cannot make with a plain REST create (files, the org, users and profiles)
NOT_CREATABLE_BY_REST = {
    "ContentDocument",
    "ContentVersion",
    "ContentDocumentLink",
    "Organization",
    "User",
    "Profile",
}
_n = itertools.count(1)


class Factory:
    """Records made from the describe alone: required fields get a valid value of their type."""

    def __init__(self, org) -> None:
        self.org = org
        self.describes: dict[str, dict] = {}

    def describe(self, name: str) -> dict:
        if name not in self.describes:
            self.describes[name] = self.org.raw("GET", f"/sobjects/{name}/describe").json()
        return self.describes[name]

    def value(self, f: dict, depth: int) -> object:
        t, n = f["type"], next(_n)
        if t == "reference":
            return self.make(f["referenceTo"][0], depth + 1)
        if t == "picklist" or t == "multipicklist":
            return next(p["value"] for p in f["picklistValues"] if p["active"])
        if t == "email":
            return f"walk{n}@example.com"
        if t in ("int", "double", "currency", "percent"):
            return 1
        if t == "boolean":
            return False
        if t == "date":
            return "2024-01-02"
        if t == "datetime":
            return "2024-01-02T03:04:05.000Z"
        return f"W{n}"[: max(f["length"], 2)]

    def make(self, name: str, depth: int = 0, extra: dict | None = None) -> str:
        if depth > 3:
            raise AssertionError(f"required lookups nest too deep at {name}")
        body = {}
        for f in self.describe(name)["fields"]:
            required = f["createable"] and not f["nillable"] and not f["defaultedOnCreate"]
            if (required or f["unique"]) and f["name"] not in (extra or {}):
                body[f["name"]] = self.value(f, depth)
        body.update(extra or {})
        resp = self.org.raw("POST", f"/sobjects/{name}", json=body)
        assert resp.status_code == 201, (name, body, resp.text)
        return resp.json()["id"]


def _relationships(org) -> list[tuple[str, dict]]:
    names = [o["name"] for o in org.raw("GET", "/sobjects").json()["sobjects"]]
    out = []
    for parent in names:
        described = org.raw("GET", f"/sobjects/{parent}/describe").json()
        if not described["deletable"] or parent in NOT_CREATABLE_BY_REST:
            continue
        for rel in described["childRelationships"]:
            if rel["childSObject"] not in NOT_CREATABLE_BY_REST:
                out.append((parent, rel))
    return out


def _state(org, obj: str, rid: str, field: str) -> tuple[bool, str | None]:
    rows = org.sf.query_all(f"SELECT IsDeleted, {field} FROM {obj} WHERE Id = '{rid}'", include_deleted=True)
    assert rows["totalSize"] == 1, rows
    rec = rows["records"][0]
    return rec["IsDeleted"], rec[field]


def test_every_published_relationship_behaves_as_described(org):
    factory = Factory(org)
    walked: dict[str, list[str]] = {"cascade": [], "restrict": [], "setnull": []}
    for parent, rel in _relationships(org):
        child, field = rel["childSObject"], rel["field"]
        fdesc = next(f for f in factory.describe(child)["fields"] if f["name"] == field)
        if not fdesc["createable"]:
            continue  # a lookup the org sets itself (CreatedById, ...): nothing a client can point
        parent_id = factory.make(parent)
        child_id = factory.make(child, extra={field: parent_id})
        label = f"{parent}.{rel['relationshipName'] or child + '.' + field}"
        resp = org.raw("DELETE", f"/sobjects/{parent}/{parent_id}")
        if rel["restrictedDelete"]:
            assert resp.status_code == 400, (label, resp.text)
            assert resp.json()[0]["errorCode"] == "DELETE_FAILED", label
            assert _state(org, child, child_id, field) == (False, parent_id), label
            walked["restrict"].append(label)
            continue
        assert resp.status_code == 204, (label, resp.text)
        deleted, value = _state(org, child, child_id, field)
        if rel["cascadeDelete"]:
            assert (deleted, value) == (True, parent_id), label
            walked["cascade"].append(label)
        else:
            assert (deleted, value) == (False, None), label
            walked["setnull"].append(label)
        undone = org.admin("POST", "/undelete", {"ids": [parent_id]})
        assert undone[0]["success"], (label, undone)
        assert _state(org, child, child_id, field) == (False, parent_id), label
    # the ones the loader and the rollback depend on were among them
    assert "Account.Contacts" in walked["cascade"] and "Account.Cases" in walked["restrict"]
    assert "Case.Line_Items__r" in walked["cascade"] and "Location__c.Cases__r" in walked["setnull"]
    assert sum(len(v) for v in walked.values()) >= 15, walked


@pytest.mark.parametrize("constraint", ["Restrict", "Cascade"])
def test_deployed_delete_constraint_is_published_and_enforced(org, constraint):
    from tests.sandbox_salesforce.helpers import field_xml

    name = f"Site_{constraint}__c"
    result = org.deploy(
        {
            f"objects/Case/fields/{name}.field-meta.xml": field_xml(
                name,
                f"<label>Site {constraint}</label><referenceTo>Location__c</referenceTo>"
                f"<relationshipName>Site_{constraint}_Cases</relationshipName><type>Lookup</type>"
                f"<deleteConstraint>{constraint}</deleteConstraint>",
            )
        }
    )
    assert result["success"], result["problems"]
    rel = next(
        r
        for r in org.raw("GET", "/sobjects/Location__c/describe").json()["childRelationships"]
        if r["field"] == name
    )
    assert (rel["restrictedDelete"], rel["cascadeDelete"]) == (
        constraint == "Restrict",
        constraint == "Cascade",
    )
    location = org.sf.Location__c.create({"Name": f"Site {constraint}"})["id"]
    case = org.sf.Case.create({"Subject": "Site", name: location})["id"]
    resp = org.raw("DELETE", f"/sobjects/Location__c/{location}")
    if constraint == "Restrict":
        assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "DELETE_FAILED"
    else:
        assert resp.status_code == 204 and _state(org, "Case", case, name) == (True, location)
