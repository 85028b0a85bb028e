"""The ROI report renders in a real browser: every chart loads, the page has text.

Headless Chromium (Debian package ``chromium``) opens a copy of report.html
with a small script that, once the page and its images have loaded, writes
each image's natural size into a ``<pre id=result>``; ``--dump-dom`` prints
the DOM, which is parsed here. Skipped when no Chromium is installed.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analytics.roi import RoiConfig, run_roi

_PROBE = """
<pre id="result">pending</pre>
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.map.call(document.images, function (i) {
    return {src: i.getAttribute("src"), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight};
  });
  var text = document.body.innerText;
  document.getElementById("result").textContent = JSON.stringify(
    {images: imgs, text_chars: text.length, h1: (document.querySelector("h1") || {}).textContent || ""});
});
</script>
"""


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _render(page: Path, extra_html: str = "") -> dict:
    """Loads a probed copy of ``page`` in headless Chromium and returns the probe's JSON."""
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium on this machine (apt-get install -y chromium)")
    probed = page.with_name("report_probe.html")
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", extra_html + _PROBE + "</body>"),
                      encoding="utf-8")
    cmd = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--disable-dev-shm-usage",
           f"--user-data-dir={page.parent / 'chromium-profile'}", "--virtual-time-budget=5000",
           "--dump-dom", probed.resolve().as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert found, f"no probe result in the DOM (exit {done.returncode}): {done.stderr[-500:]}"
    assert found.group(1) != "pending", "the page's load event never fired"
    return json.loads(html.unescape(found.group(1)))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("roi")
    cfg = RoiConfig(equipment_per_flat=50.0, installation_per_flat=10.0, energy_bill_per_flat_month=40.0,
                    losses_before_pct=12.0, losses_after_pct=8.0, battery_replacement_cost=15.0,
                    opex_hosting_per_year=1200.0, mc_samples=300, brochure="s1")
    run_roi(cfg, out)
    return out / "report.html"


def test_every_chart_loads_and_the_page_has_text(report):
    got = _render(report)
    srcs = [i["src"] for i in got["images"]]
    assert srcs == ["cashflow.png", "tornado.png", "payback_mc.png"]
    for img in got["images"]:
        assert img["complete"] and img["width"] > 0 and img["height"] > 0, img
    assert got["h1"] == "Return on investment"
    assert got["text_chars"] > 1000


def test_the_probe_sees_a_missing_image(report):
    got = _render(report, "<img src='missing.png' alt='missing'>")
    missing = [i for i in got["images"] if i["src"] == "missing.png"]
    assert missing and missing[0]["width"] == 0
