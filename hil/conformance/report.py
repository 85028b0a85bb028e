"""The conformance report: every spec id with its test's outcome, from the suite's JUnit XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

#: An id in docs/serial-protocol.md: ``**[FRM-1]**``.
SPEC_ID = re.compile(r"\*\*\[([A-Z]+-\d+)\]\*\*")


def spec_ids(spec_text: str) -> list[str]:
    """The ids of the spec's 'must' sentences, in document order, each once."""
    return list(dict.fromkeys(SPEC_ID.findall(spec_text)))


def outcomes(junit: Path) -> dict[str, tuple[str, str, str]]:
    """spec id -> (outcome, test name, first line of the message) from a JUnit file."""
    root = ET.parse(junit).getroot()
    out: dict[str, tuple[str, str, str]] = {}
    for case in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        sid = props.get("spec_id")
        if sid is None:
            continue
        outcome, message = "passed", ""
        for tag, name in (("failure", "failed"), ("error", "failed"), ("skipped", "skipped")):
            node = case.find(tag)
            if node is not None:
                outcome = name
                message = (node.get("message") or "").splitlines()[0][:160] if node.get("message") else ""
                break
        out[sid] = (outcome, case.get("name", ""), message)
    return out


def summarize(ids: list[str], results: dict[str, tuple[str, str, str]]) -> dict[str, list[str]]:
    """Ids passed, failed, skipped and without a test (``missing``)."""
    groups: dict[str, list[str]] = {"passed": [], "failed": [], "skipped": [], "missing": []}
    for sid in ids:
        groups[results[sid][0] if sid in results else "missing"].append(sid)
    return groups


def write_report(path: Path, target: str, ids: list[str], results: dict[str, tuple[str, str, str]]) -> dict:
    """``conformance.md``: the verdict, then one row per id; returns the id groups."""
    groups = summarize(ids, results)
    verdict = "PASSED" if not groups["failed"] and not groups["missing"] and not groups["skipped"] else "FAILED"
    lines = [f"# Protocol v1.1 conformance against `{target}`: {verdict}", "",
             f"{len(ids)} ids: {len(groups['passed'])} passed, {len(groups['failed'])} failed, "
             f"{len(groups['skipped'])} skipped, {len(groups['missing'])} without a test.", "",
             f"Passed: {', '.join(groups['passed']) or '-'}", "",
             f"Failed: {', '.join(groups['failed']) or '-'}", ""]
    if groups["skipped"]:
        lines += [f"Skipped: {', '.join(groups['skipped'])}", ""]
    lines += ["| id | outcome | test | message |", "|---|---|---|---|"]
    for sid in ids:
        outcome, name, message = results.get(sid, ("missing", "", ""))
        lines.append(f"| {sid} | {outcome} | {name} | {message.replace('|', '/')} |")
    lines += ["", "Spec: docs/serial-protocol.md (each id marks one 'must' sentence)."]
    path.write_text("\n".join(lines) + "\n")
    return groups
