"""GX Data Docs rewritten to open offline: no script or stylesheet from the internet, our own index."""

from __future__ import annotations

from pathlib import Path

from reporting.offline_docs import make_offline

GX_PAGE = """<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css">
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script>$(function () { $('[data-toggle="table"]').bootstrapTable(); });</script>
</head><body><img
src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?dataContextId=6f7b"><h1>Case</h1><table><tr><td>expect_column_values_to_not_be_null</td></tr></table></body></html>"""


def test_every_page_loses_remote_scripts_and_the_index_lists_each_object(tmp_path: Path) -> None:
    docs = tmp_path / "data_docs"
    result = docs / "validations" / "Case" / "__none__" / "20261207T084421Z" / "marts-Case.html"
    suite = docs / "expectations" / "Case.html"
    for page in (result, suite, docs / "index.html"):
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(GX_PAGE)
    index = make_offline(docs)
    for page in docs.rglob("*.html"):
        text = page.read_text()
        assert "https://" not in text and "<script" not in text, page
    kept = result.read_text()
    assert "expect_column_values_to_not_be_null" in kept and 'id="dp2sf-offline"' in kept
    text = index.read_text()
    assert "validations/Case/__none__/20261207T084421Z/marts-Case.html" in text
    assert "expectations/Case.html" in text


def test_no_folder_is_no_index(tmp_path: Path) -> None:
    assert make_offline(tmp_path / "absent") is None
