"""A report as headless Chromium sees it at a laptop's width (Debian's ``chromium``; `make browser-check`
installs it): sections, images decoded, requests that left the machine, horizontal overflow."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAPTOP = (1366, 768)
PROBE = """<script>
window.addEventListener('load', () => {
  const b = document.body, imgs = [...document.images];
  const remote = performance.getEntriesByType('resource').filter(e => !e.name.startsWith('file:')
      && !e.name.startsWith('data:'));
  b.setAttribute('data-images', imgs.length);
  b.setAttribute('data-decoded', imgs.filter(i => i.complete && i.naturalWidth > 0).length);
  b.setAttribute('data-sections', document.querySelectorAll('h1, h2, h3, h4').length);
  b.setAttribute('data-tables', document.querySelectorAll('table').length);
  b.setAttribute('data-remote', remote.length);
  b.setAttribute('data-overflow', Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
});
</script>"""
REMOTE_TAG = re.compile(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=[\"']https?://", re.I)


def remote_tags(html: str) -> list[str]:
    """Tags that would fetch from the internet (scripts, stylesheets, images, frames); links are fine."""
    return [m.group(0)[:120] for m in REMOTE_TAG.finditer(html)]


def inspect(page: Path, tmp: Path) -> dict[str, int]:
    """Load ``page`` (a copy with the probe, beside it so relative links resolve) in headless Chromium at a
    laptop's width with the network off; the probe's readings."""
    probe = page.with_name(f".probe-{page.name}")
    text = page.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", PROBE + "</body>") if "</body>" in text else text + PROBE)
    try:
        cmd = [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", f"--user-data-dir={tmp / 'profile'}",
            f"--window-size={LAPTOP[0]},{LAPTOP[1]}", "--proxy-server=127.0.0.1:9",
            "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    finally:
        probe.unlink()
    body = re.search(r"<body[^>]*>", done.stdout)
    if done.returncode != 0 or body is None:
        raise AssertionError(f"chromium failed on {page}: {done.stderr[-1500:]}")
    return {k: int(v) for k, v in re.findall(r'data-(\w+)="(\d+)"', body.group(0))}
