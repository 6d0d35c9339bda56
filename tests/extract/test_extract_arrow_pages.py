"""Arrow pages: a page of flat records becomes the Arrow table dlt's own normalizer would have landed."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from dlt.common.normalizers.json.helpers import get_nested_row_hash

from dlt_pipelines.dispatch_pro.arrow_pages import TIMESTAMP, ArrowPages
from dlt_pipelines.dispatch_pro.arrow_tree import TreePages

UTC = dt.UTC


def test_flat_page_becomes_a_table_with_dlt_names_and_types() -> None:
    page = [
        {
            "id": 1,
            "modifiedOn": "2019-01-01T00:00:00.0212649Z",
            "quantity": "1.00",
            "soldHours": 1.5,
            "active": True,
            "phoneSettings": {"phoneNumber": "555", "doNotText": False},
            "tags": [],
            "memo": None,
        },
        {
            "id": 2,
            "modifiedOn": "2019-01-02T10:00:00Z",
            "quantity": "2.00",
            "soldHours": 2.0,
            "active": False,
        },
    ]
    table = ArrowPages().convert(page)
    assert isinstance(table, pa.Table)
    assert dict(zip(table.column_names, table.schema.types, strict=True)) == {
        "id": pa.int64(),
        "modified_on": TIMESTAMP,
        "quantity": pa.string(),
        "sold_hours": pa.float64(),
        "active": pa.bool_(),
        "phone_settings__phone_number": pa.string(),
        "phone_settings__do_not_text": pa.bool_(),
    }  # no column for the empty list or the all-null memo, as in dlt
    assert table.column("modified_on").to_pylist() == [
        dt.datetime(2019, 1, 1, 0, 0, 0, 21264, tzinfo=UTC),  # 7th fractional digit cut, as pendulum does
        dt.datetime(2019, 1, 2, 10, 0, tzinfo=UTC),
    ]
    assert table.column("phone_settings__phone_number").to_pylist() == ["555", None]


def test_pages_dlt_must_handle_stay_rows() -> None:
    child_table = [{"id": 1, "items": [{"sku": "A"}]}]
    int_and_float = [{"id": 1, "price": 100}, {"id": 2, "price": 99.5}]
    text_and_number = [{"id": 1, "code": "A1"}, {"id": 2, "code": 7}]
    for page in (child_table, int_and_float, text_and_number):
        assert ArrowPages().convert(page) is page


def test_a_column_keeps_the_type_its_first_page_gave_it() -> None:
    pages = ArrowPages()
    first = pages.convert([{"id": 1, "note": "plain text", "closedOn": "2019-01-01T00:00:00Z"}])
    assert first.schema.field("note").type == pa.string()
    later = [{"id": 2, "note": "2019-02-01T00:00:00Z", "closedOn": None}]
    table = pages.convert(later)
    assert table.column("note").to_pylist() == ["2019-02-01T00:00:00Z"]  # stays text, as dlt coerces it
    assert table.schema.field("closed_on").type == TIMESTAMP  # absent values keep the known type
    not_a_timestamp = [{"id": 3, "closedOn": "soon"}]
    assert pages.convert(not_a_timestamp) is not_a_timestamp  # dlt would make a variant column


def test_a_key_missing_from_the_first_row_still_gets_its_column() -> None:
    table = ArrowPages().convert([{"id": 1}, {"id": 2, "isRefused": True}])
    assert table.column("is_refused").to_pylist() == [None, True]


def _split(page: list[dict]) -> dict:
    """TreePages' split of one page by table (outside a pipeline: rows, ids and links, no Arrow yet)."""
    return TreePages("jobs")._split(page)


def test_tree_pages_link_children_to_parents_as_dlts_normalizer_does() -> None:
    page = [
        {"id": 1, "customFields": [{"typeId": 7, "value": "a"}, {"typeId": 8, "value": "b"}], "tagIds": [3]},
        {"id": 2, "customFields": [], "units": [{"id": "u", "attachments": [{"fileName": "s.png"}]}]},
    ]
    parts = _split(page)
    assert list(parts) == [
        "jobs",
        "jobs__custom_fields",
        "jobs__tag_ids",
        "jobs__units",
        "jobs__units__attachments",
    ]
    root = parts["jobs"]
    assert [sorted(r) for r in root.rows] == [["id"], ["id"]]  # lists leave the parent row
    fields = parts["jobs__custom_fields"]
    assert fields.parents == [root.ids[0]] * 2 and fields.idxs == [0, 1] and fields.roots == [root.ids[0]] * 2
    # the nested row id is dlt's own: a hash of parent id, table and position
    assert fields.ids == [get_nested_row_hash(root.ids[0], "jobs__custom_fields", i) for i in (0, 1)]
    assert parts["jobs__tag_ids"].rows == [{"value": 3}]  # a list of scalars: rows with a value column
    attachments = parts["jobs__units__attachments"]
    assert attachments.parents == parts["jobs__units"].ids and attachments.roots == [root.ids[1]]


def test_tree_pages_leave_shapes_only_dlt_decides_as_rows() -> None:
    lists_of_lists = [{"id": 1, "grid": [[1, 2]]}]
    assert list(TreePages("jobs").items(lists_of_lists)) == [lists_of_lists]
    text_hinted = [{"id": 1, "customFields": [{"value": 5}]}]  # dlt would coerce 5 to text
    out = list(TreePages("jobs", text_values=("jobs__custom_fields",)).items(text_hinted))
    assert out == [text_hinted]
