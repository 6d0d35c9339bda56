"""The Arrow path lands the same raw contract as dlt's row-by-row normalizer (tiny tier, with files).

Two full extracts of one simulator: ``arrow_tables`` off (every page through dlt's normalizer) and on (pages
as Arrow tables, the tables with child lists split into their nested tables by ``arrow_tree.TreePages``).
Same tables, columns, DuckDB types and nullability, dlt schema hints, and data keyed by each row's place in
its record tree (root key, then list positions found through ``_dlt_parent_id`` -> parent ``_dlt_id``), with
every nested row's ``_dlt_root_id`` pointing at its root (``extract_contract.py``).
"""

from __future__ import annotations

from typing import Any

from extract_contract import compare, contract
from extract_support import Sim

from dlt_pipelines import pipeline as pipeline_module
from dlt_pipelines.dispatch_pro.settings import TREE_TABLES
from dlt_pipelines.pipeline import run_extract


def test_arrow_pages_land_the_same_raw_contract_as_dlts_normalizer(sim: Sim, tmp_path, monkeypatch) -> None:
    found = {}
    written_at_extract = {}
    tables_run: dict[str, Any] = {}
    store_files = pipeline_module.store_files

    def tables_then_files(pipeline: Any, *args: Any) -> int:  # the tables' run, before the files' run
        tables_run["info"] = pipeline.last_trace.last_extract_info
        return store_files(pipeline, *args)

    monkeypatch.setattr(pipeline_module, "store_files", tables_then_files)
    for arrow in (False, True):
        monkeypatch.setenv("SOURCES__DISPATCH_PRO__ARROW_TABLES", str(arrow).lower())
        settings = sim.settings(tmp_path / ("arrow" if arrow else "rows"))
        run_extract(settings, full=True)
        found[arrow] = contract(
            settings.duckdb_path, settings.data_dir / "schemas" / "dispatch_pro.schema.yaml"
        )
        metrics = next(iter(tables_run["info"].metrics.values()))[0]["table_metrics"]
        written_at_extract[arrow] = {t for t in metrics if "__" in t}

    assert compare(found[False], found[True]) == []
    nested = {t for t in found[True]["columns"] if "__" in t and t.split("__")[0] in TREE_TABLES}
    assert {"jobs__custom_fields", "invoices__items", "form_submissions__units__attachments"} <= nested
    assert all(found[True]["data"][t] for t in nested)
    # the Arrow run wrote the nested tables during the extract (as Arrow), the normalizer run did not
    assert written_at_extract[False] == set() and nested <= written_at_extract[True]
