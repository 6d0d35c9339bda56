"""One way to turn a notebook template into a report: papermill executes it, nbconvert renders HTML.

Every report (pre-scan, sample diff, reconciliation, rollback, map diff, mapping review) is a template under
``notebooks/``: a parameters cell plus calls into a Python module, so the logic is tested by pytest and the
notebook only shows it. The HTML hides the code, embeds matplotlib plots as PNGs and loads no script from the
internet (``notebooks/templates/offline``), so a report opens on a reviewer's laptop with no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import Dp2sfError
from core.private import private_dir, write_private
from core.settings import PROJECT_DIR

NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"


class NotebookError(Dp2sfError):
    """A report notebook failed to execute or render (the message names the cell and the error)."""


def render_notebook(
    template: str | Path, out_dir: Path, parameters: dict[str, Any], name: str | None = None
) -> Path:
    """Execute ``template`` into ``out_dir/<name>.ipynb`` with ``parameters``; write and return the HTML."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    template = Path(template)
    if not template.is_absolute():
        template = NOTEBOOKS_DIR / template
    name = name or template.stem
    private_dir(out_dir)  # a report holds customer data: 0700 folder, 0600 files
    executed = out_dir / f"{name}.ipynb"
    try:
        pm.execute_notebook(
            str(template), str(executed), parameters=parameters, kernel_name="python3", cwd=str(PROJECT_DIR),
            progress_bar=False, extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no kernel chatter
        )  # fmt: skip
    except pm.PapermillExecutionError as exc:
        where = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        raise NotebookError(f"the {name} notebook failed in {where}") from None
    exporter = HTMLExporter(
        template_name="offline", extra_template_basedirs=[str(NOTEBOOKS_DIR / "templates")],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
    )  # fmt: skip
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    executed.chmod(0o600)
    return write_private(out_dir / f"{name}.html", body)


def bar(series, title: str, xlabel: str = "") -> None:
    """A horizontal bar chart (matplotlib, shown inline; the HTML embeds it as a PNG)."""
    import textwrap

    import matplotlib.pyplot as plt

    if series.empty:
        return
    # labels as whole strings (a MultiIndex renamed per level garbles them), wrapped so a long one fits
    series = series.set_axis(["\n".join(textwrap.wrap(str(k), 36)) or str(k) for k in series.index])
    lines = sum(str(k).count("\n") + 1 for k in series.index)
    fig, ax = plt.subplots(figsize=(8, 0.3 * lines + 0.2 * len(series) + 1.2))
    series.sort_values().plot.barh(ax=ax, color="#3c78b4")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    plt.show()
    plt.close(fig)
