"""The HTML report of a simulated day: key figures, checks against limits, plots."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

#: EN 50160: 10-minute mean supply voltage within ±10 % of nominal.
V_BAND_PU = (0.90, 1.10)
#: EN 50160: negative-sequence unbalance within 2 %.
VUF_LIMIT_PCT = 2.0

_FIGURE_ROWS = [
    ("consumers", "Consumers", "{:.0f}"),
    ("energy_served_kwh", "Energy served (kWh)", "{:.1f}"),
    ("losses_kwh", "Network losses (kWh)", "{:.2f}"),
    ("losses_pct", "Losses (% of energy in)", "{:.2f}"),
    ("peak_load_kw", "Peak aggregate load (kW)", "{:.1f}"),
    ("transformer_peak_loading_pct", "Transformer peak loading (%)", "{:.1f}"),
    ("v_min_pu", "Lowest phase voltage (pu)", "{:.4f}"),
    ("v_max_pu", "Highest phase voltage (pu)", "{:.4f}"),
    ("vuf_max_pct", "Worst voltage unbalance VUF (%)", "{:.2f}"),
    ("solve_seconds", "Power-flow solve time (s)", "{:.3f}"),
]


def checks(figures: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Pass/fail checks a grid engineer reads first."""
    lo, hi = V_BAND_PU
    return [
        ("Voltages within EN 50160 ±10 %", lo <= figures["v_min_pu"] and figures["v_max_pu"] <= hi,
         f"{figures['v_min_pu']:.3f} to {figures['v_max_pu']:.3f} pu"),
        ("Voltage unbalance at most 2 %", figures["vuf_max_pct"] <= VUF_LIMIT_PCT,
         f"worst {figures['vuf_max_pct']:.2f} %"),
        ("Transformer within rating", figures["transformer_peak_loading_pct"] <= 100.0,
         f"peak {figures['transformer_peak_loading_pct']:.1f} %"),
    ]


def _table(frame) -> str:
    """A DataFrame as an HTML table (numbers to 3 significant decimals)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(f'{v:.3f}' if isinstance(v, float) else str(v))}</td>" for v in row)
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(path: Path, title: str, figures: dict[str, Any], context: list[tuple[str, str]],
                 images: list[tuple[str, str]], tables: list[tuple[str, Any]] | None = None) -> None:
    """Writes a self-contained HTML page (images referenced beside it).

    Args:
        path: Output file.
        title: Page title.
        figures: Key figures (see ``_FIGURE_ROWS``).
        context: (label, value) rows describing the run (site, loads, seed…).
        images: (file name, caption) of plots in the same folder.
        tables: (heading, DataFrame) shown after the checks.
    """
    esc = html.escape
    rows = "".join(
        f"<tr><th>{esc(label)}</th><td>{esc(fmt.format(figures[key]))}</td></tr>"
        for key, label, fmt in _FIGURE_ROWS if key in figures
    )
    ctx = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in context)
    chk = "".join(
        f"<tr><th>{esc(name)}</th><td class='{'ok' if ok else 'bad'}'>{'yes' if ok else 'NO'}</td>"
        f"<td>{esc(detail)}</td></tr>"
        for name, ok, detail in checks(figures)
    )
    extra = "".join(f"<h2>{esc(h)}</h2>{_table(t)}" for h, t in (tables or []))
    imgs = "".join(
        f"<figure><img src='{esc(name)}' alt='{esc(caption)}'><figcaption>{esc(caption)}</figcaption></figure>"
        for name, caption in images
    )
    path.write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 10px; text-align: left; }}
th {{ background: #f4f4f4; font-weight: normal; }}
td.ok {{ color: #176b1a; font-weight: bold; }} td.bad {{ color: #b00020; font-weight: bold; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
figure {{ margin: 1.5em 0; }}
</style></head><body>
<h1>{esc(title)}</h1>
<h2>Run</h2><table>{ctx}</table>
<h2>Key figures</h2><table>{rows}</table>
<h2>Checks</h2><table>{chk}</table>
{extra}
<p>Voltages are phase-to-neutral in pu of the LV nominal phase voltage; losses are line and
transformer losses (the MV source impedance excluded); the allocation of losses to consumers
is in <code>consumers.csv</code> (rule in docs/grid-model.md).</p>
<h2>Plots</h2>{imgs}
</body></html>
""")
