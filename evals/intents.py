"""Scoring an intent model on a labelled file: accuracy, macro-F1, confusions, calibration.

Used by `cx nlu eval FILE` (QA) and bench/intents.py. A file is either
- CSV with a text column (text, utterance, query or sentence) and a label column (intent,
  category or label), or
- YAML in the layout of tests/data/intent_cases.yaml: {intent: {lang: [text | {text, style}]}}.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

from pydantic import BaseModel
from policies.loader import parse_yaml

TEXT_COLUMNS = ("text", "utterance", "query", "sentence")
LABEL_COLUMNS = ("intent", "category", "label")


class Case(BaseModel):
    text: str
    intent: str
    lang: str | None = None
    style: str | None = None


class Confusion(BaseModel):
    gold: str
    predicted: str
    count: int


class Scores(BaseModel):
    accuracy: float
    macro_f1: float
    n: int
    labels: int
    top_confusions: list[Confusion]
    by_group: dict[str, float] = {}
    expected_calibration_error: float | None = None


def read_cases(path: Path) -> list[Case]:
    if path.suffix.lower() in {".yaml", ".yml"}:
        raw = parse_yaml(path.read_text("utf-8")) or {}
        cases = []
        for intent, by_lang in raw.items():
            for lang, items in (by_lang or {}).items():
                for item in items or []:
                    item = item if isinstance(item, dict) else {"text": item}
                    cases.append(Case(text=item["text"], intent=intent, lang=lang,
                                      style=item.get("style")))
        return cases
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = [c.strip() for c in reader.fieldnames or []]
        text_col = next((c for c in TEXT_COLUMNS if c in cols), None)
        label_col = next((c for c in LABEL_COLUMNS if c in cols), None)
        if text_col is None or label_col is None:
            raise ValueError(f"{path}: need a text column {TEXT_COLUMNS} and a label column "
                             f"{LABEL_COLUMNS}; found {cols}")
        cases = []
        for row in reader:
            row = {k.strip(): v for k, v in row.items() if k}
            text, label = (row.get(text_col) or "").strip(), (row.get(label_col) or "").strip()
            if text and label:
                cases.append(Case(text=text, intent=label, lang=(row.get("lang") or None)))
    return cases


def score(gold: list[str], pred: list[str], confidence: list[float] | None = None,
          groups: list[str | None] | None = None) -> Scores:
    if not gold:
        raise ValueError("nothing to score: the file has no labelled texts")
    labels = sorted(set(gold))
    f1s = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    confusions = Counter((g, p) for g, p in zip(gold, pred) if g != p).most_common(10)
    by_group: dict[str, list[bool]] = defaultdict(list)
    for g, p, group in zip(gold, pred, groups or [None] * len(gold)):
        if group:
            by_group[group].append(g == p)
    ece = None
    if confidence is not None:
        # Ten equal-width bins: how far stated confidence is from observed accuracy.
        bins: dict[int, list[tuple[float, bool]]] = defaultdict(list)
        for c, g, p in zip(confidence, gold, pred):
            bins[min(int(c * 10), 9)].append((c, g == p))
        ece = sum(abs(sum(c for c, _ in b) / len(b) - sum(ok for _, ok in b) / len(b)) * len(b)
                  for b in bins.values()) / len(gold)
    return Scores(
        accuracy=round(sum(g == p for g, p in zip(gold, pred)) / len(gold), 4),
        macro_f1=round(sum(f1s) / len(f1s), 4),
        n=len(gold),
        labels=len(labels),
        top_confusions=[Confusion(gold=g, predicted=p, count=c) for (g, p), c in confusions],
        by_group={k: round(sum(v) / len(v), 4) for k, v in sorted(by_group.items())},
        expected_calibration_error=None if ece is None else round(ece, 4),
    )
