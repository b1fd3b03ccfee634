"""Intent classification as a learner, and the demo catalogue on third-party phrasing.

    python bench/intents.py --train ../shared/evaldata/banking77/train.csv [--json]
    python bench/intents.py --train ar_train.csv --test ar_val.csv [--shots 10] [--json]
    python bench/intents.py --catalogue --test ../shared/evaldata/bitext/customer_service_8k.csv \\
        --map bench/data/bitext_to_demo.yaml

CSV files in the shared layouts are accepted: a text column (`text` or `utterance`) and a
label column (`category`, `label` or `intent`; for Bitext, `intent`). Without --test a
stratified 20% of --train is held out (seed 13). --shots N keeps N training examples per
label. --catalogue evaluates the shipped demo catalogue instead of training, with --map naming
each test label's demo intent (unmapped labels are skipped). --label-map FILE (CSV with two
columns, test label and train label, e.g. ArBanking77's intents_en_ar.csv) lets an
English-trained model be scored on Arabic labels. --features picks the views: tfidf (character
and word n-grams), e5 (multilingual e5-small sentence vectors alone) or both (the product's
learner, default). Sentence vectors are cached under var/bench-cache. Prints accuracy,
macro-F1 and top confusions.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from agent.intents import IntentClassifier, catalogue_examples, load_catalogue  # noqa: E402
from evals.intents import read_cases, score  # noqa: E402

CACHE = ROOT / "var" / "bench-cache"


def embed(texts: list[str]) -> np.ndarray:
    """e5 query vectors for texts, cached on disk by the texts' hash (a benchmark re-run
    should not spend minutes re-embedding the same training file)."""
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:20]
    path = CACHE / f"e5-{key}.npy"
    if path.exists():
        return np.load(path)
    from knowledge.embeddings import E5Embeddings

    vectors = E5Embeddings().embed_queries(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors

def read_csv(path: Path) -> list[tuple[str, str]]:
    try:
        return [(c.text, c.intent) for c in read_cases(path)]
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


def split(rows, fraction=0.2, seed=13):
    by_label = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    train, test = [], []
    for items in by_label.values():
        rng.shuffle(items)
        cut = max(1, int(len(items) * fraction))
        test.extend(items[:cut])
        train.extend(items[cut:])
    return train, test


def shots(rows, n, seed=13):
    by_label = defaultdict(list)
    for row in rows:
        by_label[row[1]].append(row)
    rng = random.Random(seed)
    return [r for items in by_label.values() for r in rng.sample(items, min(n, len(items)))]



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path)
    parser.add_argument("--test", type=Path)
    parser.add_argument("--shots", type=int)
    parser.add_argument("--catalogue", action="store_true",
                        help="score the shipped demo catalogue (no training on --test)")
    parser.add_argument("--map", type=Path, help="YAML: test label -> demo intent")
    parser.add_argument("--label-map", type=Path,
                        help="CSV: test label, train label (score across label languages)")
    parser.add_argument("--features", choices=["tfidf", "e5", "both"], default="both",
                        help="n-grams, e5 vectors, or one model over both (default)")
    parser.add_argument("--dialect", choices=["keep", "msa", "both"], default="keep",
                        help="keep the text, map dialect words to MSA first (agent.dialect), "
                             "or run both and print each (the baseline in the same run)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.dialect == "both":
        results = {mode: run(args, parser, mode) for mode in ("keep", "msa")}
        if args.json:
            print(json.dumps({"accuracy": results["msa"]["accuracy"], "by_dialect_mode": results},
                             ensure_ascii=False))
        else:
            for mode, r in results.items():
                print(f"dialect={mode}: accuracy {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f}")
            print(f"msa / keep accuracy ratio "
                  f"{results['msa']['accuracy'] / max(1e-9, results['keep']['accuracy']):.3f}")
        return
    result = run(args, parser, args.dialect)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"accuracy {result['accuracy']:.4f}  macro-F1 {result['macro_f1']:.4f}  "
          f"({result['n']} test texts, {result['labels']} labels, trained on "
          f"{result['n_train'] if result['n_train'] is not None else 'the demo catalogue'} in "
          f"{result['train_seconds']:.1f} s)")
    for c in result["top_confusions"]:
        print(f"  {c['count']:4d}  {c['gold']} -> {c['predicted']}")


def run(args, parser, dialect: str) -> dict:
    use_dense = args.features != "tfidf"

    def prep(rows):
        if dialect == "keep":
            return rows
        from agent.dialect import to_msa
        from knowledge.normalize import normalize

        return [(to_msa(normalize(t)), lab) for t, lab in rows]

    def fit(texts: list[str], labels: list[str]) -> tuple[IntentClassifier, float]:
        dense = embed(texts) if use_dense else None  # cached: not part of the training time
        t0 = time.perf_counter()
        model = IntentClassifier.fit(texts, labels, dense=dense, views=args.features,
                                     calibration_folds=0)
        return model, time.perf_counter() - t0

    if args.catalogue:
        import yaml

        if not args.test:
            parser.error("--catalogue needs --test")
        mapping = yaml.safe_load(args.map.read_text("utf-8")) if args.map else {}
        test = prep([(t, mapping.get(lab, lab)) for t, lab in read_csv(args.test)
                     if not mapping or lab in mapping])
        texts, labels = catalogue_examples(load_catalogue(ROOT / "agent" / "catalogue"))
        trained = prep(list(zip(texts, labels)))
        model, train_s = fit([t for t, _ in trained], [lab for _, lab in trained])
        n_train = None
    else:
        if not args.train:
            parser.error("give --train FILE (or --catalogue)")
        train = prep(read_csv(args.train))
        test = prep(read_csv(args.test)) if args.test else None
        if test is None:
            train, test = split(train)
        if args.shots:
            train = shots(train, args.shots)
        if args.label_map:
            with args.label_map.open(encoding="utf-8-sig", newline="") as fh:
                pairs = [r for r in csv.reader(fh)][1:]
            # intents_en_ar.csv: label_en, label_ar; Banking77 names use underscores.
            to_train = {ar: en.replace(" ", "_") for en, ar in pairs}
            test = [(t, to_train.get(lab, lab)) for t, lab in test]
        model, train_s = fit([t for t, _ in train], [lab for _, lab in train])
        n_train = len(train)
    test_texts = [t for t, _ in test]
    test_dense = embed(test_texts) if use_dense else None
    t0 = time.perf_counter()
    pred = model.predict_many(test_texts, dense=test_dense)
    per_ms = (time.perf_counter() - t0) * 1000 / len(test)
    return score([lab for _, lab in test], pred).model_dump() | {
        "features": args.features, "dialect": dialect, "n_train": n_train,
        "train_seconds": round(train_s, 2), "predict_ms_per_text_batched": round(per_ms, 3),
    }


if __name__ == "__main__":
    main()
