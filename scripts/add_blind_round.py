"""Add a blind round to the replay suite: passing scenarios to evals/scenarios/, failing ones
to evals/pending/ (kept as known failures), from a `cx eval replay --json` report of them.

    python scripts/add_blind_round.py ROUND_DIR REPORT.json NAME "header text"

Expectations are never edited here; only a format error is repaired (an `end.unchanged` that
also lists `orders`: unchanged already says no order may change)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


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
            (good if s["id"] in passed else pending).append(s)
    for target, items in ((ROOT / "evals" / "scenarios" / f"{name}.yaml", good),
                          (ROOT / "evals" / "pending" / f"{name}.yaml", pending)):
        text = yaml.safe_dump({"scenarios": items}, allow_unicode=True, sort_keys=False, width=100)
        target.write_text(f"# {header}\n" + text, encoding="utf-8")
        print(f"{target.relative_to(ROOT)}: {len(items)} scenarios")


if __name__ == "__main__":
    main()
