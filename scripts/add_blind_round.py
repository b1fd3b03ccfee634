"""Add a blind round to the replay suite: passing scenarios to evals/scenarios/, failing ones
to evals/pending/ (kept as known failures), from a `cx eval replay --json` report of them.

    python scripts/add_blind_round.py ROUND_DIR REPORT.json NAME "header text"

Expectations are never edited here; only a format error is repaired (an `end.unchanged` that
also lists `orders`: unchanged already says no order may change). A passing scenario whose
expectations name a calendar date ("2026-12-05", "5 December") only holds on the day it was
written for, so it stays in pending/ rather than gating CI."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
_DATE = re.compile(r"20\d\d-\d\d-\d\d|\d\d/\d\d|\b(january|february|march|april|may|june|july|august|"
                   r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|"
                   r"nov|dec)\b|يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|اغسطس|سبتمبر|"
                   r"أكتوبر|اكتوبر|نوفمبر|ديسمبر", re.I)


def _dated(scenario: dict) -> bool:
    """Expectations that name a calendar date (they hold on one day only)."""
    expects = [t.get("expect") or {} for t in scenario.get("turns") or []]
    return any(_DATE.search(str(v)) for e in expects
               for k, v in e.items() if k.startswith("reply"))


def main() -> None:
    folder, report, name, header = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    passed = {r["scenario"] for r in json.loads(report.read_text())["results"] if r["passed"]}
    good, pending = [], []
    for path in sorted(folder.glob("*.yaml")):
        for s in yaml.safe_load(path.read_text("utf-8"))["scenarios"]:
            end = s.get("end") or {}
            if end.get("unchanged") and ("orders" in end or "tickets" in end):
                end.pop("orders", None)
                end.pop("tickets", None)
            (good if s["id"] in passed and not _dated(s) else pending).append(s)
    for target, items in ((ROOT / "evals" / "scenarios" / f"{name}.yaml", good),
                          (ROOT / "evals" / "pending" / f"{name}.yaml", pending)):
        text = yaml.safe_dump({"scenarios": items}, allow_unicode=True, sort_keys=False, width=100)
        target.write_text(f"# {header}\n" + text, encoding="utf-8")
        print(f"{target.relative_to(ROOT)}: {len(items)} scenarios")


if __name__ == "__main__":
    main()
