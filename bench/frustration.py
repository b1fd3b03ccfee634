"""Frustration detection against labelled text: the product, its parts and baselines.

    python bench/frustration.py --data ../shared/evaldata/goemotions/dev.tsv [--json]
    python bench/frustration.py --data dev.tsv --data bench/data/tone_heldout.csv

--data (repeatable) takes a GoEmotions-style TSV (text, comma-separated label ids, comment
id) with its labels.txt beside it (or --labels FILE); a text is positive when any of its
labels is anger, annoyance or disappointment. A CSV with `text` and `label` (1/0) or `level`
(calm = 0) is accepted too; a `lang` column (else the detected script) splits it by language.

Methods, all in the same run:
- detector: the product (agent.frustration.read: learned tone + explicit signals); a text
  counts as frustrated at level "annoyed" or above. Its figures are the top-level JSON keys.
- lexicon: the same reading with the hand-written word lists instead of the tone model (the
  detector before the model existed: the baseline).
- tone: the learned tone model alone, at its language's threshold.
- vader: VADER compound <= -0.05, if installed (`pip install vaderSentiment`), English only.
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

from agent import tone  # noqa: E402
from agent.frustration import read  # noqa: E402
from knowledge.normalize import detect_language  # noqa: E402

def load(path: Path, labels_path: Path | None) -> list[tuple[str, bool, str]]:
    """(text, frustrated, language) rows."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            langs = [r.get("lang") for r in csv.DictReader(fh) if (r.get("text") or "").strip()]
        rows = tone.read_labelled_csv(path)
        return [(t, bool(y), lang or detect_language(t) or "en")
                for (t, y), lang in zip(rows, langs)]
    return [(t, bool(y), detect_language(t) or "en")
            for t, y in tone.read_goemotions(path, labels_path)]


def prf(gold: list[bool], pred: list[bool]) -> dict[str, float]:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def evaluate(rows: list[tuple[str, bool, str]], vader) -> dict:
    model = tone.shipped()
    texts = [t for t, _, _ in rows]
    gold = [g for _, g, _ in rows]
    t0 = time.perf_counter()
    detector = [read(t).level != "calm" for t in texts]
    per_ms = (time.perf_counter() - t0) * 1000 / len(rows)
    preds = {"detector": detector, "lexicon": [read(t, tone=None).level != "calm" for t in texts]}
    if model is not None:
        probs = model.probabilities(texts)
        preds["tone"] = [p >= model.threshold(t) for t, p in zip(texts, probs)]
    if vader is not None:
        preds["vader"] = [vader.polarity_scores(t)["compound"] <= -0.05 for t in texts]
    result: dict = prf(gold, detector) | {"n": len(rows), "positives": sum(gold),
                                          "ms_per_text": round(per_ms, 3)}
    result["methods"] = {name: prf(gold, pred) for name, pred in preds.items()}
    langs = sorted({lang for _, _, lang in rows})
    if len(langs) > 1:
        result["by_language"] = {}
        for lang in langs:
            idx = [i for i, (_, _, lg) in enumerate(rows) if lg == lang]
            sub_gold = [gold[i] for i in idx]
            result["by_language"][lang] = {"n": len(idx), "positives": sum(sub_gold)} | {
                name: prf(sub_gold, [pred[i] for i in idx])["f1"] for name, pred in preds.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, action="append")
    parser.add_argument("--labels", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        vader = SentimentIntensityAnalyzer()
    except ImportError:
        vader = None
    results = {}
    for path in args.data:
        try:
            rows = load(path, args.labels)
        except (OSError, ValueError) as exc:
            raise SystemExit(f"{path}: {exc}") from None
        results[path.name] = evaluate(rows, vader)
    if args.json:
        # One dataset: its result object itself (the keys earlier runs printed); several: by name.
        print(json.dumps(next(iter(results.values())) if len(results) == 1 else results,
                         ensure_ascii=False))
        return
    for name, r in results.items():
        print(f"{name}: {r['n']} texts, {r['positives']} frustrated, "
              f"{r['ms_per_text']:.3f} ms/text (detector)")
        for method, m in r["methods"].items():
            print(f"  {method:9s} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}")
        if vader is None:
            print("  vader     not installed (pip install vaderSentiment)")
        for lang, m in r.get("by_language", {}).items():
            figures = "  ".join(f"{k} {v:.3f}" for k, v in m.items() if k not in {"n", "positives"})
            print(f"  [{lang}] n {m['n']}, {m['positives']} frustrated: F1 {figures}")
        if "lexicon" in r["methods"] and r["methods"]["lexicon"]["f1"]:
            print(f"  detector / lexicon F1 ratio {r['f1'] / r['methods']['lexicon']['f1']:.2f}")


if __name__ == "__main__":
    main()
