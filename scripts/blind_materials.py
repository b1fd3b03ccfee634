"""Build the folder a blind-round writer reads: the brief, the format sheet and the brand's
materials, nothing of the code or the scenarios.

    python scripts/blind_materials.py OUT_DIR [--today YYYY-MM-DD]

OUT_DIR gets BRIEF.md, FORMAT.md (from evals/blind/) and materials/: the brand document, the
knowledge base, the written policies without the reply wording (policies/replies.yaml is how
the assistant says things, which a writer must not copy) and the demo CRM with its orders
dated as `cx seed` dates them, so the writer sees the orders the replay will run against."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ["actions", "escalation", "privacy", "staffing", "voice", "brand"]


def build(out: Path, today: date | None = None) -> list[Path]:
    from tools.seed import demo_shift, load_demo_crm, shift_notes, shift_to_today

    materials = out / "materials"
    (materials / "policies").mkdir(parents=True, exist_ok=True)
    (materials / "crm").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "evals" / "blind" / "FORMAT.md", out / "FORMAT.md")
    # The brief names the day the orders are dated from, so a writer's "yesterday" is the
    # replay's yesterday.
    brief = (ROOT / "evals" / "blind" / "BRIEF.md").read_text(encoding="utf-8")
    day = (today or date.today()).isoformat()
    (out / "BRIEF.md").write_text(re.sub(r"today, \d{4}-\d{2}-\d{2}", f"today, {day}", brief),
                                  encoding="utf-8")
    shutil.copy(ROOT / "docs" / "demo-brand.md", materials / "demo-brand.md")
    shutil.copytree(ROOT / "knowledge" / "demo_kb", materials / "knowledge_base",
                    dirs_exist_ok=True)
    for name in POLICIES:
        shutil.copy(ROOT / "policies" / f"{name}.yaml", materials / "policies" / f"{name}.yaml")
    crm = ROOT / "tools" / "demo_data"
    shutil.copy(crm / "products.yaml", materials / "crm" / "products.yaml")
    customers, orders = load_demo_crm(crm)
    # Notes move with the orders they mention (a late delivery is noted after the order).
    customers = shift_notes(customers, demo_shift(orders, today))
    orders = shift_to_today(orders, today)
    (materials / "crm" / "customers.yaml").write_text(
        yaml.safe_dump([c.model_dump(mode="json") for c in customers], allow_unicode=True,
                       sort_keys=False, width=120),
        encoding="utf-8")
    (materials / "crm" / "orders.json").write_text(
        json.dumps([o.model_dump(mode="json") for o in orders], ensure_ascii=False, indent=1),
        encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    files = build(args.out, args.today)
    print(f"{args.out}: {len(files)} files for the writers")


if __name__ == "__main__":
    main()
