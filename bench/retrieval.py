"""FAQ retrieval quality and latency: BM25 alone, vectors alone, and the hybrid.

    python bench/retrieval.py --data ../shared/evaldata/stackfaq/stackfaq_dev.json [--json]
    python bench/retrieval.py --data bench/data/demo_faq.json
    python bench/retrieval.py --data ../shared/evaldata/stackfaq/stackfaq_dev.json --folds 5
    python bench/retrieval.py --scale 1000,10000,100000      # synthetic latency at scale

--data takes any file shaped like StackFAQ: {"corpus": [{"faq_id", "question", "answers":
[...], optional "paraphrases": [...], optional "lang"}], "queries": [{"query", "faq_id"}]}.
The corpus goes through the product's own ingestion (FAQ chunks, Chroma with the offline e5
embeddings, BM25 over normalised text) in a temporary folder. A query counts as found at
rank r when the r-th passage belongs to its faq_id (in any language).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from knowledge.documents import Chunk, faq_chunks  # noqa: E402
from knowledge.embeddings import E5Embeddings  # noqa: E402
from chromadb.api.types import Embeddings  # noqa: E402

from knowledge.index import DENSE_WEIGHT, KnowledgeIndex, open_collection  # noqa: E402
from knowledge.normalize import detect_language  # noqa: E402
from knowledge.sources import FaqItem  # noqa: E402

MODES = ("bm25", "vector", "hybrid")
SETTLE_SECONDS = 20
K = 10


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def load_set(path: Path) -> tuple[list[Chunk], list[tuple[str, str]], dict[str, str]]:
    data = json.loads(path.read_text("utf-8"))
    items = []
    for entry in data["corpus"]:
        answers = entry.get("answers") or [entry.get("answer", "")]
        text = "\n\n".join(str(a) for a in answers)
        lang = entry.get("lang") or detect_language(f"{entry['question']} {text}") or "en"
        items.append(FaqItem(id=str(entry["faq_id"]), lang=lang, question=entry["question"],
                             answer=text, paraphrases=list(entry.get("paraphrases") or [])))
    chunks = faq_chunks(items, path.name)
    for n, chunk in enumerate(chunks):  # a faq_id may appear once per language
        chunk.id = f"{chunk.id}#{n}"
    group_to_faq = {c.group: c.group.rsplit(":", 1)[1] for c in chunks}
    queries = [(q["query"], str(q["faq_id"])) for q in data["queries"]]
    return chunks, queries, group_to_faq


def build_index(chunks: list[Chunk], folder: Path, embeddings=None,
                fields: bool = True) -> tuple[KnowledgeIndex, float]:
    embed = E5Embeddings()
    index = KnowledgeIndex(
        collection=open_collection(embed, name="bench", path=folder), embed=embed,
        fields=open_collection(embed, name="bench-fields", path=folder) if fields else None)
    t0 = time.perf_counter()
    index.sync(chunks, embeddings=embeddings)
    return index, time.perf_counter() - t0


def ranks_of(index: KnowledgeIndex, queries, group_to_faq, mode: str = "hybrid",
             dense_weight: float | None = None, latency: list[float] | None = None
             ) -> list[int | None]:
    """Rank of each query's FAQ in the top K (None when absent)."""
    ranks = []
    for query, faq_id in queries:
        t0 = time.perf_counter()
        kwargs = {"dense_weight": dense_weight} if dense_weight is not None else {}
        result = index.search(query, k=K, mode=mode, **kwargs)
        if latency is not None:
            latency.append((time.perf_counter() - t0) * 1000)
        found = [group_to_faq[p.chunk.group] for p in result.passages]
        ranks.append(found.index(faq_id) + 1 if faq_id in found else None)
    return ranks


def figures(ranks: list[int | None]) -> dict:
    n = len(ranks)
    return {
        "recall@1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "recall@5": round(sum(1 for r in ranks if r and r <= 5) / n, 4),
        "mrr": round(sum(1 / r for r in ranks if r) / n, 4),
        "queries": n,
    }


def evaluate(index: KnowledgeIndex, queries, group_to_faq, dense_weight=None) -> dict:
    out: dict[str, dict] = {}
    latency: list[float] = []
    for mode in MODES:
        ranks = ranks_of(index, queries, group_to_faq, mode, dense_weight,
                         latency if mode == "hybrid" else None)
        out[mode] = figures(ranks)
    out["latency_ms"] = {"p50": round(pct(latency, 50), 2), "p95": round(pct(latency, 95), 2)}
    # The baseline in the same run: chunk vectors only, as before FAQ phrasing vectors.
    share, index.field_share = index.field_share, 0.0
    out["hybrid_chunk_vectors_only"] = figures(ranks_of(index, queries, group_to_faq,
                                                        dense_weight=dense_weight))
    index.field_share = share
    return out


SHARES = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7)
DENSE_WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9)


def kfold(index: KnowledgeIndex, queries, group_to_faq, folds: int, seed: int = 0) -> dict:
    """Tune (FIELD_SHARE, DENSE_WEIGHT) on k-1 folds, score the held-out fold, for each fold.

    Folds split FAQs, not queries, so no FAQ is tuned and tested on at once. Also reports the
    shipped setting on each fold: if it trails the tuned one, the defaults are overfitted or
    stale."""
    cache: dict[str, Embeddings] = {}
    embed_query = index.embed.embed_query

    def cached(texts):  # the grid re-asks the same queries; embed each once
        key = texts[0]
        if key not in cache:
            cache[key] = embed_query(texts)
        return cache[key]

    index.embed.embed_query = cached  # type: ignore[method-assign]
    grid = [(s, w) for s in SHARES for w in DENSE_WEIGHTS]
    shipped = (index.field_share, DENSE_WEIGHT)
    hits: dict[tuple[float, float], np.ndarray] = {}
    for share, weight in [*grid, shipped]:
        index.field_share = share
        ranks = ranks_of(index, queries, group_to_faq, dense_weight=weight)
        hits[(share, weight)] = np.array([r == 1 for r in ranks])
    index.field_share = shipped[0]
    index.embed.embed_query = embed_query  # type: ignore[method-assign]
    faqs = sorted({f for _, f in queries})
    random.Random(seed).shuffle(faqs)
    fold_of = {f: i % folds for i, f in enumerate(faqs)}
    which = np.array([fold_of[f] for _, f in queries])
    out = []
    for k in range(folds):
        train, test = which != k, which == k
        best = max(grid, key=lambda p: (hits[p][train].mean(), p == shipped))
        out.append({"fold": k, "queries": int(test.sum()), "tuned": {"field_share": best[0],
                    "dense_weight": best[1]}, "recall@1_tuned": round(float(hits[best][test].mean()), 4),
                    "recall@1_shipped": round(float(hits[shipped][test].mean()), 4),
                    "recall@1_chunk_vectors_only": round(float(
                        hits[(0.0, shipped[1])][test].mean()), 4)})
    return {"folds": out,
            "mean_recall@1_tuned": round(float(np.mean([f["recall@1_tuned"] for f in out])), 4),
            "mean_recall@1_shipped": round(float(np.mean([f["recall@1_shipped"] for f in out])), 4)}


_WORDS = ("delivery order refund return warranty invoice payment card mada tabby install "
          "account address phone fridge washer screen laptop battery charger cable jeddah "
          "riyadh dammam price fee vat days week cancel exchange damaged missing").split()
_AR_WORDS = ("توصيل طلب استرداد ارجاع ضمان فاتورة دفع بطاقة مدى تركيب حساب عنوان جوال ثلاجة "
             "غسالة شاشة لابتوب بطارية شاحن جدة الرياض الدمام سعر رسوم ضريبة ايام الغاء").split()


def synthetic_chunks(n: int, seed: int = 7) -> tuple[list[Chunk], np.ndarray]:
    rng = random.Random(seed)
    chunks = []
    for i in range(n):
        words = _AR_WORDS if i % 2 else _WORDS
        text = " ".join(rng.choice(words) for _ in range(rng.randint(40, 120)))
        lang = "ar" if i % 2 else "en"
        chunks.append(Chunk(id=f"syn:{i}", group=f"syn:{i}", kind="article", lang=lang,
                            title=f"synthetic {i}", source=f"synthetic/{i // 100}.md",
                            anchor=str(i), text=text))
    # Random unit vectors: latency does not depend on what the vectors mean, and random
    # vectors are the hard case for an HNSW index.
    vecs = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    return chunks, vecs


def scale(sizes: list[int], n_queries: int) -> dict:
    queries = ["how long does delivery take to jeddah", "كم رسوم التوصيل للرياض",
               "refund to my mada card", "ابغى ارجع الثلاجة", "warranty for laptop battery",
               "تركيب المكيف كم سعره", "change the address on my order", "فاتورة ضريبية"]
    out = {}
    for n in sizes:
        chunks, vecs = synthetic_chunks(n)
        with tempfile.TemporaryDirectory() as tmp:
            index, _ = build_index(chunks, Path(tmp), embeddings=list(vecs))
            # Chroma indexes fresh writes in the background; measure the settled index, and
            # report how long the first queries after ingest took separately.
            first = []
            settle_until = time.perf_counter() + SETTLE_SECONDS
            while time.perf_counter() < settle_until:
                t0 = time.perf_counter()
                index.search(queries[len(first) % len(queries)])
                first.append((time.perf_counter() - t0) * 1000)
            times = []
            for i in range(n_queries):
                t0 = time.perf_counter()
                index.search(queries[i % len(queries)])
                times.append((time.perf_counter() - t0) * 1000)
        out[str(n)] = {"p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2),
                       "right_after_ingest_p95_ms": round(pct(first[:50], 95), 2)}
    return out


def throughput(n: int = 512) -> dict:
    """Ingestion with real e5 embeddings: chunks per second."""
    chunks, _ = synthetic_chunks(n, seed=11)
    with tempfile.TemporaryDirectory() as tmp:
        _, seconds = build_index(chunks, Path(tmp))
    return {"chunks": n, "seconds": round(seconds, 2), "chunks_per_s": round(n / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, action="append", default=[],
                        help="StackFAQ-shaped JSON file (repeatable)")
    parser.add_argument("--scale", type=str, default="",
                        help="comma-separated corpus sizes for synthetic latency, e.g. 1000,10000")
    parser.add_argument("--scale-queries", type=int, default=200)
    parser.add_argument("--throughput", action="store_true", help="measure ingestion chunks/s")
    parser.add_argument("--dense-weight", type=float, default=None,
                        help="override the fusion weight of the dense side (0..1)")
    parser.add_argument("--folds", type=int, default=0,
                        help="also tune the fusion by k-fold over the queries and print each fold")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.data and not args.scale and not args.throughput:
        parser.error("give --data FILE, --scale SIZES or --throughput")

    results: dict = {}
    for path in args.data:
        chunks, queries, group_to_faq = load_set(path)
        with tempfile.TemporaryDirectory() as tmp:
            index, _ = build_index(chunks, Path(tmp))
            results[path.name] = evaluate(index, queries, group_to_faq, args.dense_weight)
            if args.folds:
                results[path.name]["kfold"] = kfold(index, queries, group_to_faq, args.folds)
    if args.scale:
        results["scale"] = scale([int(s) for s in args.scale.split(",")], args.scale_queries)
    if args.throughput:
        results["ingest"] = throughput()

    if args.json:
        # One data set: its figures at the top level, as {"bm25": ..., "latency_ms": ...}.
        if len(args.data) == 1 and not args.scale and not args.throughput:
            results = results[args.data[0].name]
        print(json.dumps(results))
        return
    for name, res in results.items():
        if name == "scale":
            for size, lat in res.items():
                print(f"scale {int(size):>7,} chunks  p50 {lat['p50_ms']:6.2f} ms  "
                      f"p95 {lat['p95_ms']:6.2f} ms  (first queries after ingest: p95 "
                      f"{lat['right_after_ingest_p95_ms']:.1f} ms)")
            continue
        if name == "ingest":
            print(f"ingest: {res['chunks']} chunks in {res['seconds']} s = "
                  f"{res['chunks_per_s']} chunks/s")
            continue
        print(f"== {name} ({res['hybrid']['queries']} queries)")
        for mode in MODES:
            m = res[mode]
            print(f"  {mode:<7} recall@1 {m['recall@1']:.3f}  recall@5 {m['recall@5']:.3f}  "
                  f"MRR {m['mrr']:.3f}")
        base = res["hybrid_chunk_vectors_only"]
        print(f"  baseline: hybrid with chunk vectors only recall@1 {base['recall@1']:.3f}  "
              f"recall@5 {base['recall@5']:.3f}  MRR {base['mrr']:.3f}")
        for f in res.get("kfold", {}).get("folds", []):
            print(f"  fold {f['fold']} ({f['queries']} queries): tuned {f['tuned']} -> recall@1 "
                  f"{f['recall@1_tuned']:.3f}; shipped {f['recall@1_shipped']:.3f}; chunk "
                  f"vectors only {f['recall@1_chunk_vectors_only']:.3f}")
        if "kfold" in res:
            print(f"  k-fold mean recall@1: tuned {res['kfold']['mean_recall@1_tuned']:.3f}  "
                  f"shipped {res['kfold']['mean_recall@1_shipped']:.3f}")
        best = max(res["bm25"]["recall@1"], res["vector"]["recall@1"])
        print(f"  hybrid / best single recall@1: {res['hybrid']['recall@1'] / best:.3f}")
        print(f"  hybrid latency p50 {res['latency_ms']['p50']} ms  p95 {res['latency_ms']['p95']} ms")


if __name__ == "__main__":
    main()
