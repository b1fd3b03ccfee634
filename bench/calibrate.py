"""Fit the retrieval confidence model and check it on another set.

    python bench/calibrate.py [--fit bench/data/demo_faq.json] [--check FILE ...] [--save]

Fits a logistic model of "the top passage is the right answer" on the fit set's queries
(positives and misses) plus the intent catalogue's out-of-scope questions (which have no
right answer), then reports Brier score, expected calibration error (ECE) and the answer /
clarify / decline split on each check set. --save writes knowledge/calibration.json, which the
product loads at start-up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from knowledge.calibration import Calibrator, features, fit  # noqa: E402
from retrieval import build_index, load_set  # noqa: E402

OUT_OF_SCOPE = ROOT / "agent" / "catalogue" / "out_of_scope.yaml"


def collect(path: Path, negatives: list[str]) -> tuple[list[dict], list[int]]:
    chunks, queries, group_to_faq = load_set(path)
    rows, labels = [], []
    with tempfile.TemporaryDirectory() as tmp:
        index, _ = build_index(chunks, Path(tmp))
        snap = index._snap
        for query, faq_id in [*queries, *((q, None) for q in negatives)]:
            lexical, dense = index.lexical(query), index.dense(query)
            result = index.search(query, k=5)
            if not result.passages:
                continue
            rows.append(features(result.passages, snap.by_id, lexical, dense))
            labels.append(int(faq_id is not None
                              and group_to_faq[result.passages[0].chunk.group] == faq_id))
    return rows, labels


def report(name: str, model: Calibrator, rows: list[dict], labels: list[int],
           answer: float, clarify: float) -> None:
    probs = [model.probability(r) for r in rows]
    brier = sum((p - y) ** 2 for p, y in zip(probs, labels)) / len(rows)
    bins: dict[int, list[tuple[float, int]]] = {}
    for p, y in zip(probs, labels):
        bins.setdefault(min(9, int(p * 10)), []).append((p, y))
    ece = sum(abs(sum(p for p, _ in b) / len(b) - sum(y for _, y in b) / len(b)) * len(b)
              for b in bins.values()) / len(rows)
    answered = [y for p, y in zip(probs, labels) if p >= answer]
    clarified = [y for p, y in zip(probs, labels) if clarify <= p < answer]
    declined = [y for p, y in zip(probs, labels) if p < clarify]
    acc = sum(answered) / len(answered) if answered else 0.0
    print(f"{name}: n={len(rows)} base rate {sum(labels) / len(labels):.2f}  "
          f"Brier {brier:.3f}  ECE {ece:.3f}")
    print(f"  answer (p>={answer}): {len(answered)} ({acc:.2%} correct)  "
          f"clarify: {len(clarified)} ({sum(clarified)} would have been right)  "
          f"decline: {len(declined)} ({sum(declined)} would have been right)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fit", type=Path, default=ROOT / "bench" / "data" / "demo_faq.json")
    parser.add_argument("--check", type=Path, action="append", default=[])
    parser.add_argument("--answer", type=float, default=0.5)
    parser.add_argument("--clarify", type=float, default=0.2)
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()

    negatives = []
    for lang_examples in yaml.safe_load(OUT_OF_SCOPE.read_text("utf-8"))["examples"].values():
        negatives.extend(lang_examples)
    rows, labels = collect(args.fit, negatives)
    model = fit(rows, labels, f"{args.fit.name} + out_of_scope intent examples")
    print("weights:", {k: round(v, 2) for k, v in model.weights.items()},
          "intercept:", round(model.intercept, 2))
    report(f"fit {args.fit.name}", model, rows, labels, args.answer, args.clarify)
    for path in args.check:
        c_rows, c_labels = collect(path, [])
        report(f"check {path.name}", model, c_rows, c_labels, args.answer, args.clarify)
    if args.save:
        model.save()
        print("saved knowledge/calibration.json")


if __name__ == "__main__":
    main()
