"""Latency of understanding one message (intent + slots + frustration), warm, in-process.

    python bench/understanding.py [--data FILE] [--repeat 3] [--json]

Messages come from tests/data/intent_cases.yaml and bench/data/demo_queries.yaml (both
held out from the catalogue) or --data (CSV with a text column, or YAML in either layout).
Each intent-vector mode is measured: off (n-grams only), cascade (the default: e5 only when
the n-gram model is unsure) and always. Prints p50/p95/p99 in ms, the share of messages
that were embedded, and the ratio of p95 to the 10 ms target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.service import open_understanding  # noqa: E402
from evals.intents import read_cases  # noqa: E402
from settings import Settings  # noqa: E402

TARGET_P95_MS = 10.0


def messages(path: Path | None) -> list[str]:
    if path is None:
        texts = [c.text for c in read_cases(ROOT / "tests" / "data" / "intent_cases.yaml")]
        demo = yaml.safe_load((ROOT / "bench" / "data" / "demo_queries.yaml").read_text("utf-8"))
        texts += [q["query"] for q in demo["queries"]] if isinstance(demo, dict) else [
            q["query"] for q in demo]
        return texts
    if path.suffix in {".yaml", ".yml"}:
        return [c.text for c in read_cases(path)]
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh) if row.get("text")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def measure(mode: str, texts: list[str], repeat: int) -> dict:
    settings = Settings(_env_file=None, intent_vectors=mode)
    understanding = open_understanding(settings)
    clf = understanding.classifier
    embedded = 0
    real = clf._embedder

    class Counting:
        def embed_queries(self, batch):
            nonlocal embedded
            embedded += len(batch)
            return real.embed_queries(batch)

    if real is not None:
        clf.attach(Counting())
    for text in texts[:20]:  # warm caches and the native model
        understanding.understand(text)
    embedded = 0
    timings = []
    for _ in range(repeat):
        previous: list[str] = []
        for text in texts:
            t0 = time.perf_counter()
            understanding.understand(text, previous_texts=previous[-4:], previous_score=0.2)
            timings.append((time.perf_counter() - t0) * 1000)
            previous.append(text)
    p95 = percentile(timings, 95)
    return {
        "mode": mode,
        "messages": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(percentile(timings, 99), 2),
        "embedded_share": round(embedded / len(timings), 3),
        "p95_to_target": round(p95 / TARGET_P95_MS, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modes", default="off,cascade,always")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    texts = messages(args.data)
    results = [measure(mode, texts, args.repeat) for mode in args.modes.split(",")]
    if args.json:
        print(json.dumps({"target_p95_ms": TARGET_P95_MS, "results": results}))
        return
    print(f"understanding latency, {len(texts)} messages x {args.repeat} "
          f"(target p95 <= {TARGET_P95_MS:g} ms)")
    for r in results:
        print(f"  {r['mode']:<8} p50 {r['p50_ms']:6.2f}  p95 {r['p95_ms']:6.2f}  "
              f"p99 {r['p99_ms']:6.2f} ms   embedded {r['embedded_share']:.0%}   "
              f"p95/target {r['p95_to_target']:.2f}")


if __name__ == "__main__":
    main()
