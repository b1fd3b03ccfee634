"""Move scenarios that now pass from evals/pending/ into the gated suite (evals/scenarios/).

    python scripts/move_passing_pending.py REPORT.json "note for the file headers"

REPORT.json is `cx eval replay --json evals/pending`. Expectations are never edited; a passing
scenario whose expectations name a calendar date stays in pending (it holds on one day only).
Each pending file feeds its namesake in the suite (`escalation_failures` -> `escalation`,
`intents_failures` -> `intents_ar` / `intents_en` by language). The files are edited as text:
a scenario's block (and the comment lines just above it) leaves pending, and the scenario is
appended to the suite file, so the hand-written comments of both files stay as they are."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from add_blind_round import _dated  # noqa: E402


def _blocks(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first scenario, and each scenario's (id, text) with the comment
    lines just above it."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if re.match(r"^\s*- id:", line)]
    if not starts:
        return text, []

    def head(i: int) -> int:
        # Comment and blank lines directly above an item belong to it.
        while i > 0 and (lines[i - 1].strip().startswith("#") or not lines[i - 1].strip()) \
                and not lines[i - 1].startswith("scenarios:"):
            i -= 1
        return i

    cuts = [head(i) for i in starts]
    blocks = []
    for n, start in enumerate(cuts):
        end = cuts[n + 1] if n + 1 < len(cuts) else len(lines)
        item = "".join(lines[start:end])
        sid = re.search(r"- id:\s*(\S+)", item).group(1).strip("'\"")  # type: ignore[union-attr]
        blocks.append((sid, item))
    return "".join(lines[:cuts[0]]), blocks


def main() -> None:
    report, note = Path(sys.argv[1]), sys.argv[2]
    passed = {r["scenario"] for r in json.loads(report.read_text())["results"] if r["passed"]}
    moved: dict[Path, list[dict]] = {}
    for path in sorted((ROOT / "evals" / "pending").glob("*.yaml")):
        text = path.read_text("utf-8")
        scenarios = {s["id"]: s for s in (yaml.safe_load(text) or {}).get("scenarios") or []}
        before, blocks = _blocks(text)
        keep = []
        for sid, block in blocks:
            if sid in passed and sid in scenarios and not _dated(scenarios[sid]):
                name = path.stem.replace("_failures", "")
                if name == "intents":
                    name = f"intents_{scenarios[sid].get('language', 'en')}"
                moved.setdefault(ROOT / "evals" / "scenarios" / f"{name}.yaml", []).append(
                    scenarios[sid])
            else:
                keep.append(block)
        if len(keep) != len(blocks):
            rest = before + "".join(keep)
            if not keep:
                rest = rest.rstrip() + " []\n" if rest.rstrip().endswith("scenarios:") else rest
            path.write_text(rest, encoding="utf-8")
            print(f"{path.relative_to(ROOT)}: {len(blocks)} -> {len(keep)}")
    for target, items in moved.items():
        text = target.read_text("utf-8")
        first = re.search(r"^( *)- id:", text, re.M)
        pad = " " * (len(first.group(1)) if first else 0)
        # Each moved scenario as data, indented like the file's own items.
        dumped = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100)
        block = "".join(pad + line if line.strip() else line
                        for line in dumped.splitlines(keepends=True))
        body = text.rstrip("\n") + "\n" + block
        body = re.sub(r"(?m)^(# .*)\n(?=scenarios:)", lambda m: m.group(1) + f" {len(items)} more "
                      f"moved here from pending {note}.\n", body, count=1)
        loaded = yaml.safe_load(body)["scenarios"]
        assert len({s["id"] for s in loaded}) == len(loaded), f"duplicate ids in {target}"
        target.write_text(body, encoding="utf-8")
        print(f"{target.relative_to(ROOT)}: +{len(items)} ({len(loaded)} in all)")

if __name__ == "__main__":
    main()
