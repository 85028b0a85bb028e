"""The conformance suite covers the spec: every 'must' sentence has an id, every id one test, bytes only."""

from __future__ import annotations

import re
from pathlib import Path

from hil.conformance.report import spec_ids, summarize

ROOT = Path(__file__).resolve().parents[2]
SPEC = (ROOT / "docs" / "serial-protocol.md").read_text()
SUITE = sorted((ROOT / "hil" / "conformance").glob("*.py"))


def _sentences(text: str) -> list[str]:
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    blocks = re.split(r"\n\s*\n|\n(?=\s*[*\-] )|\n(?=\d+\. )", text)
    out = []
    for block in blocks:
        flat = " ".join(block.split())
        out += re.split(r"(?<=[.!?])\s+(?=[A-Z`*(])", flat)
    return out


def test_every_must_sentence_has_an_id() -> None:
    musts = [s for s in _sentences(SPEC) if re.search(r"\bmust\b", s, re.I)]
    assert len(musts) >= 40
    missing = [s for s in musts if not re.search(r"\[[A-Z]+-\d+\]", s)]
    assert missing == []


def test_every_id_has_exactly_one_test_and_every_test_an_id_of_the_spec() -> None:
    ids = spec_ids(SPEC)
    marked = [m for path in SUITE for m in re.findall(r'@spec\("([A-Z]+-\d+)"\)', path.read_text())]
    assert sorted(marked) == sorted(ids) and len(set(marked)) == len(marked)
    assert len(ids) == len(re.findall(r"\*\*\[[A-Z]+-\d+\]\*\*", SPEC))   # each id marks one place


def test_the_suite_drives_the_device_only_through_the_wire() -> None:
    for path in SUITE:
        imports = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", path.read_text(), flags=re.M)
        inside = [name for name in imports if name.startswith(("hil", "twin", "scenarios", "mesh_sim"))]
        assert all(name.startswith("hil.conformance") for name in inside), (path.name, inside)


def test_report_groups_ids() -> None:
    results = {"A-1": ("passed", "t1", ""), "A-2": ("failed", "t2", "boom"), "A-3": ("skipped", "t3", "")}
    assert summarize(["A-1", "A-2", "A-3", "A-4"], results) == {
        "passed": ["A-1"], "failed": ["A-2"], "skipped": ["A-3"], "missing": ["A-4"]}
