"""Frustration detection against labelled text, with VADER as a baseline.

    python bench/frustration.py --data ../shared/evaldata/goemotions/dev.tsv [--json]

--data takes a GoEmotions-style TSV (text, comma-separated label ids, comment id) with its
labels.txt beside it (or --labels FILE); a text is positive when any of its labels is anger,
annoyance or disappointment. A CSV with columns `text,label` (label 1/0) is accepted too.
The detector counts a text as frustrated at level "annoyed" or above. VADER (if installed:
`pip install vaderSentiment`) counts it when its compound score is <= -0.05.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.frustration import read  # noqa: E402

POSITIVE = {"anger", "annoyance", "disappointment"}


def load(path: Path, labels_path: Path | None) -> list[tuple[str, bool]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [(r["text"], str(r["label"]).strip().lower() in {"1", "true", "frustrated"})
                    for r in csv.DictReader(fh) if r.get("text")]
    labels_path = labels_path or path.with_name("labels.txt")
    names = labels_path.read_text("utf-8").split()
    positive_ids = {str(i) for i, name in enumerate(names) if name in POSITIVE}
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].strip():
                rows.append((parts[0], bool(positive_ids & set(parts[1].split(",")))))
    return rows


def prf(gold: list[bool], pred: list[bool]) -> dict[str, float]:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = load(args.data, args.labels)
    gold = [g for _, g in rows]
    t0 = time.perf_counter()
    pred = [read(text).level != "calm" for text, _ in rows]
    per_ms = (time.perf_counter() - t0) * 1000 / len(rows)
    result = prf(gold, pred) | {"n": len(rows), "positives": sum(gold),
                                "ms_per_text": round(per_ms, 3)}
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        vader = SentimentIntensityAnalyzer()
        result["vader"] = prf(gold, [vader.polarity_scores(t)["compound"] <= -0.05
                                     for t, _ in rows])
    except ImportError:
        result["vader"] = None
    if args.json:
        print(json.dumps(result))
        return
    print(f"detector  P {result['precision']:.3f}  R {result['recall']:.3f}  "
          f"F1 {result['f1']:.3f}  ({result['n']} texts, {result['positives']} positive, "
          f"{per_ms:.3f} ms/text)")
    if result["vader"]:
        v = result["vader"]
        print(f"VADER     P {v['precision']:.3f}  R {v['recall']:.3f}  F1 {v['f1']:.3f}")
    else:
        print("VADER     not installed (pip install vaderSentiment)")


if __name__ == "__main__":
    main()
