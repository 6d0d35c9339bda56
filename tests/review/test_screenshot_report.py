"""A rendered report looks right in a real browser: headless Chromium (Debian's ``chromium`` package; `make
browser-check` installs it) loads the reconciliation report from disk, with no network, and we check that

- the DOM the browser built holds the tables and the plots, and every plot DECODED (``naturalWidth`` > 0,
  read by a script the browser runs on load and writes into the DOM, dumped with ``--dump-dom``);
- the screenshot is not blank: pixel variance (Pillow) and the plot colour present.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reporting.render import render_reconciliation
from tests.review import reports_fixture as fx

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH: `make browser-check` installs Debian's chromium package"
)
PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-decoded', imgs.filter(i => i.complete && i.naturalWidth > 0).length);
  document.body.setAttribute('data-tables', document.querySelectorAll('table').length);
  document.body.setAttribute('data-headings', document.querySelectorAll('h2').length);
});
</script>"""


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
        "--disable-extensions", "--disable-background-networking", f"--user-data-dir={tmp / 'profile'}",
        "--virtual-time-budget=5000", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    settings, run, _ = fx.build(tmp_path_factory.mktemp("shot"))
    return render_reconciliation(settings, run)


def test_the_browser_builds_every_table_and_decodes_every_plot(report: Path, tmp_path: Path) -> None:
    probe = report.with_name("probe.html")
    probe.write_text(report.read_text().replace("</body>", PROBE + "</body>"))
    done = _chromium(tmp_path, "--dump-dom", probe.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.search(r"<body[^>]*>", done.stdout).group(0)
    attrs = dict(re.findall(r'data-(\w+)="(\d+)"', body))
    assert int(attrs["images"]) >= 2, attrs  # the stacked equation bars and the org counts
    assert attrs["decoded"] == attrs["images"], attrs  # every embedded PNG decoded in the browser
    assert int(attrs["tables"]) >= 6, attrs  # the non-empty sections' tables
    assert int(attrs["headings"]) >= 9, attrs  # one per section


def test_the_screenshot_shows_the_plots_and_tables(report: Path, tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image, ImageStat

    shot = tmp_path / "reconciliation.png"
    done = _chromium(tmp_path, "--window-size=1200,2400", f"--screenshot={shot}", report.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2400)
    grey = image.convert("L")
    assert ImageStat.Stat(grey).stddev[0] > 20  # not a blank page
    px = np.asarray(image, dtype=int)
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    ink = float(((r + g + b) < 600).mean())
    assert ink > 0.02, ink  # text and table lines
    # the plots: matplotlib's tab10 blue (#1f77b4) bars and the '#3c78b4' bar chart
    blue = int(((b > 150) & (r < 90) & (g > 90) & (g < 150)).sum())
    assert blue > 5000, blue
