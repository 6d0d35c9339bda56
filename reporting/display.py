"""What every review report does with a table: mask it (``--mask-pii``), write it as CSV, show it.

The reconciliation and rollback notebooks call :func:`section` for each table, so masking is one code path:
the CSV beside the report and the HTML table come from the same masked frame.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.pii import maybe_mask
from core.quoting import html_table, write_csv

MAX_ROWS = 200  # rows shown in the HTML; the CSV has them all


def section(
    title: str,
    frame: pd.DataFrame,
    csv_dir: str | Path,
    name: str,
    mask_pii: bool,
    note: str = "",
    empty: str = "none",
) -> pd.DataFrame:
    """A heading, a line of counts, the table (or ``empty``); the masked frame is returned and in CSV."""
    from IPython.display import HTML, Markdown, display

    shown = maybe_mask(frame, mask_pii)
    csv_dir = Path(csv_dir)
    csv_dir.mkdir(parents=True, exist_ok=True)
    write_csv(shown, csv_dir / f"{name}.csv")
    more = f" (first {MAX_ROWS} shown)" if len(shown) > MAX_ROWS else ""
    display(Markdown(f"## {title}\n{note}\n\n{len(shown):,} rows{more} · CSV: `{csv_dir.name}/{name}.csv`"))
    if shown.empty:
        display(Markdown(f"_{empty}_"))
    else:
        display(HTML(html_table(shown, MAX_ROWS)))
    return shown


def stacked(frame: pd.DataFrame, index: str, columns: list[str], title: str, xlabel: str = "records") -> None:
    """A horizontal stacked bar per row of ``frame`` (matplotlib, inline; the HTML embeds it as a PNG)."""
    import matplotlib.pyplot as plt

    data = frame.set_index(index)[columns]
    data = data.loc[:, data.sum() > 0] if not data.empty else data
    if data.empty or data.to_numpy().sum() == 0:
        return
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(data) + 1.4))
    data.iloc[::-1].plot.barh(stacked=True, ax=ax, width=0.75, colormap="tab10")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    plt.show()
    plt.close(fig)


def verdict(ok: bool, good: str, bad: str) -> None:
    """A one-line, coloured verdict at the top of a report."""
    from IPython.display import HTML, display

    colour, text = ("#1a7f37", good) if ok else ("#b42318", bad)
    display(HTML(f'<p style="font-size:1.2em;font-weight:bold;color:{colour}">{text}</p>'))
