"""Hybrid retrieval: BM25 over normalised text + e5 vectors in Chroma, fused.

The lexical side catches exact product names, order-process words and numbers; the dense side
catches paraphrase, dialect and the other language. Fusion is a convex combination of
normalised scores, which (unlike rank fusion) keeps how *much* better the top passage is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import bm25s
import chromadb
import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.types import EmbeddingFunction
from chromadb.config import Settings as ChromaSettings
from pydantic import BaseModel

from knowledge.calibration import Calibrator
from knowledge.documents import Chunk, Lang
from knowledge.normalize import detect_language, tokenize

Mode = Literal["hybrid", "bm25", "vector"]
Progress = Callable[[int, int], None]

_CANDIDATES = 30
# Weight of the dense side in the fusion. Chosen on the demo brand's bilingual set and checked
# on StackFAQ (see bench/retrieval.py and the README); dense carries cross-lingual matches.
DENSE_WEIGHT = 0.7
# e5 cosines live in a narrow band: unrelated support text ~0.75, a paraphrase ~0.95.
_E5_RANGE = (0.75, 0.95)
# Added to the cosine of a passage in the other language than the query (see search()).
CROSS_LINGUAL_OFFSET = 0.04
# One extra vote for passages on the recognised intent's topics (a weak prior).
TOPIC_BONUS = 0.1
# An article's lead paragraph lists what the article covers, so it matches many questions
# word for word; the section or FAQ entry that answers should come first.
OVERVIEW_PENALTY = 0.15
# An FAQ's dense score moves this share of the way from its chunk cosine (question,
# paraphrases and the answer's start) up to its best question/paraphrase cosine. 5-fold
# tuning on StackFAQ dev picks 0.5 in every fold (recall@1 0.932 vs 0.922 at 0.3); 0.3 ships
# because at 0.5 short Gulf requests ("ابي فاتورة طلب اللابتوب") meet the demo FAQ's short
# paraphrases of a neighbouring entry ("ابغى فاتورة باسم المؤسسة") and lose their answer.
FIELD_SHARE = 0.3


class Passage(BaseModel):
    chunk: Chunk
    score: float
    dense: float
    lexical: float
    lexical_rank: int | None
    dense_rank: int | None


class SearchResult(BaseModel):
    passages: list[Passage]
    confidence: float
    # Passages that state what the best one does not (the fee when it gives the time).
    supplements: list[Passage] = []
    # Sentences computed from the brand's figures for this question's parameters (agent/facts.py).
    facts: list[str] = []


class IngestReport(BaseModel):
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


def open_collection(
    embed: EmbeddingFunction,
    *,
    name: str,
    path: Path | None = None,
    host: str | None = None,
    port: int | None = None,
) -> Collection:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if host is not None:
        client = chromadb.HttpClient(host=host, port=port or 8000, settings=chroma_settings)
    else:
        assert path is not None
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    return client.get_or_create_collection(
        name, embedding_function=embed, metadata={"hnsw:space": "cosine"}
    )


@dataclass(frozen=True)
class _Snapshot:
    """Everything a query reads, swapped as one object so a reload never tears a search."""

    chunks: list[Chunk] = field(default_factory=list)
    by_id: dict[str, Chunk] = field(default_factory=dict)
    bm25: bm25s.BM25 | None = None
    # Highest BM25 contribution of each vocabulary token over all chunks: the upper bound
    # that turns a raw BM25 score into "how much of this query the best chunk could match".
    token_max: dict[str, float] = field(default_factory=dict)
    rare_token_max: float = 0.0
    group_langs: dict[str, frozenset[str]] = field(default_factory=dict)
    # One unit vector per FAQ question or paraphrase (rows) and the chunk id each belongs to.
    field_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    field_parents: tuple[str, ...] = ()
    # The FAQ chunk ids owning those rows, once each, and each row's index into them.
    faq_ids: tuple[str, ...] = ()
    field_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # The chunk vectors of those FAQs, so an FAQ found by its phrasing alone is scored
    # without another round trip to Chroma.
    faq_vectors: dict[str, np.ndarray] = field(default_factory=dict)


def _minmax(values: dict[str, float]) -> dict[str, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    if hi - lo < 1e-9:
        return {k: 1.0 for k in values}
    return {k: (v - lo) / (hi - lo) for k, v in values.items()}


@dataclass
class KnowledgeIndex:
    collection: Collection
    embed: EmbeddingFunction
    # Vectors of each FAQ's question and paraphrases, one per phrasing (see FIELD_SHARE).
    # None keeps chunk vectors only (benchmarks compare the two).
    fields: Collection | None = None
    field_share: float = FIELD_SHARE
    calibrator: Calibrator = field(default_factory=Calibrator.default)
    lexical_norm: Literal["bound", "minmax"] = "bound"
    dense_norm: Literal["range", "minmax"] = "range"
    lexical_same_language: bool = True
    cross_lingual_offset: float = CROSS_LINGUAL_OFFSET
    _snap: _Snapshot = field(default_factory=_Snapshot)

    # --- ingestion ---------------------------------------------------------------------------

    def sync(
        self,
        chunks: list[Chunk],
        batch: int = 64,
        progress: Progress | None = None,
        embeddings: Sequence[np.ndarray] | None = None,
    ) -> IngestReport:
        """Make the collection hold exactly `chunks`, re-embedding only what changed.

        `embeddings` (aligned with chunks) skips the embedding function; benchmarks use it.
        """
        existing = self.collection.get(include=["metadatas"])
        stored = {i: (m or {}).get("hash") for i, m in zip(existing["ids"], existing["metadatas"])}
        wanted = {c.id for c in chunks}
        report = IngestReport()
        stale = [i for i in stored if i not in wanted]
        for start in range(0, len(stale), 5000):
            self.collection.delete(ids=stale[start : start + 5000])
        report.removed = len(stale)
        todo: list[int] = []
        for n, chunk in enumerate(chunks):
            if chunk.id not in stored:
                report.added += 1
                todo.append(n)
            elif stored[chunk.id] != chunk.content_hash:
                report.updated += 1
                todo.append(n)
            else:
                report.unchanged += 1
        for start in range(0, len(todo), batch):
            part = [chunks[n] for n in todo[start : start + batch]]
            if embeddings is not None:
                vectors = [embeddings[n] for n in todo[start : start + batch]]
            else:
                vectors = self.embed([c.embedding_text() for c in part])
            self.collection.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
                embeddings=[np.asarray(v, dtype=np.float32) for v in vectors],
            )
            if progress:
                progress(min(start + batch, len(todo)), len(todo))
        if self.fields is not None:
            self._sync_fields(chunks, batch)
        self.load()
        return report

    def _sync_fields(self, chunks: list[Chunk], batch: int) -> None:
        """Make the fields collection hold one vector per phrasing of each FAQ chunk.

        Field ids carry the chunk's content hash, so an edited FAQ gets new vectors, a removed
        one loses them, and an index built before fields existed gains them on its next sync.
        """
        assert self.fields is not None
        wanted: dict[str, tuple[str, str]] = {}
        for chunk in chunks:
            for n, text in enumerate(chunk.field_texts()):
                wanted[f"{chunk.id}|{chunk.content_hash}|{n}"] = (chunk.id, text)
        have = set(self.fields.get(include=[])["ids"])
        stale = [i for i in have if i not in wanted]
        for start in range(0, len(stale), 5000):
            self.fields.delete(ids=stale[start : start + 5000])
        todo = [i for i in wanted if i not in have]
        for start in range(0, len(todo), batch):
            ids = todo[start : start + batch]
            vectors = self.embed([wanted[i][1] for i in ids])
            self.fields.upsert(
                ids=ids, documents=[wanted[i][1] for i in ids],
                metadatas=[{"parent": wanted[i][0]} for i in ids],
                embeddings=[np.asarray(v, dtype=np.float32) for v in vectors],
            )

    def load(self) -> None:
        """Read every chunk back from Chroma and build the lexical index, then swap it in."""
        chunks: list[Chunk] = []
        offset, page = 0, 5000
        while True:
            got = self.collection.get(include=["documents", "metadatas"], limit=page,
                                      offset=offset)
            chunks.extend(_chunk_from(d, m) for d, m in zip(got["documents"], got["metadatas"]))
            if len(got["ids"]) < page:
                break
            offset += page
        bm25 = None
        token_max: dict[str, float] = {}
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(
                [tokenize(f"{c.title}\n{c.text}") or ["<empty>"] for c in chunks],
                show_progress=False,
            )
            data, indptr = bm25.scores["data"], bm25.scores["indptr"]
            for token, col in bm25.vocab_dict.items():
                if col + 1 >= len(indptr):  # bm25s's padding token has no column
                    continue
                lo, hi = indptr[col], indptr[col + 1]
                if hi > lo:
                    token_max[token] = float(data[lo:hi].max())
        langs: dict[str, set[str]] = {}
        for c in chunks:
            langs.setdefault(c.group, set()).add(c.lang)
        by_id = {c.id: c for c in chunks}
        vectors, parents = self._load_fields(by_id)
        faq_vectors: dict[str, np.ndarray] = {}
        wanted = sorted(set(parents))
        for start in range(0, len(wanted), 5000):
            got = self.collection.get(ids=wanted[start : start + 5000], include=["embeddings"])
            for cid, vec in zip(got["ids"], got["embeddings"]):
                v = np.asarray(vec, dtype=np.float32)
                faq_vectors[cid] = v / max(float(np.linalg.norm(v)), 1e-12)
        faq_ids = tuple(dict.fromkeys(parents))
        position = {cid: i for i, cid in enumerate(faq_ids)}
        self._snap = _Snapshot(
            chunks=chunks, by_id=by_id, bm25=bm25, token_max=token_max,
            rare_token_max=max(token_max.values(), default=0.0),
            group_langs={g: frozenset(ls) for g, ls in langs.items()},
            field_vectors=vectors, field_parents=parents, faq_vectors=faq_vectors,
            faq_ids=faq_ids,
            field_owner=np.array([position[p] for p in parents], dtype=np.int64),
        )

    def _load_fields(self, by_id: dict[str, Chunk]) -> tuple[np.ndarray, tuple[str, ...]]:
        if self.fields is None:
            return np.zeros((0, 0), np.float32), ()
        rows: list[np.ndarray] = []
        parents: list[str] = []
        offset, page = 0, 5000
        while True:
            got = self.fields.get(include=["embeddings", "metadatas"], limit=page, offset=offset)
            for vec, meta in zip(got["embeddings"], got["metadatas"]):
                parent = str((meta or {}).get("parent", ""))
                if parent in by_id:  # a field outliving its chunk (interrupted sync) is ignored
                    rows.append(np.asarray(vec, dtype=np.float32))
                    parents.append(parent)
            if len(got["ids"]) < page:
                break
            offset += page
        if not rows:
            return np.zeros((0, 0), np.float32), ()
        matrix = np.stack(rows)
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return matrix, tuple(parents)

    def __len__(self) -> int:
        return len(self._snap.chunks)

    def stats(self) -> dict[str, Any]:
        chunks = self._snap.chunks
        by = lambda attr: {  # noqa: E731
            v: sum(1 for c in chunks if getattr(c, attr) == v)
            for v in sorted({getattr(c, attr) for c in chunks})
        }
        return {
            "chunks": len(chunks),
            "sources": len({c.source for c in chunks}),
            "by_language": by("lang"),
            "by_kind": by("kind"),
        }

    # --- retrieval ---------------------------------------------------------------------------

    def lexical(self, query: str, n: int = _CANDIDATES) -> list[tuple[str, float]]:
        """BM25 candidates with scores divided by the query's upper bound (0..1).

        Query words the knowledge base never uses count at the rarest word's weight, so a
        query in the other language, matching only a number or a brand, scores near zero
        instead of being stretched to look like a strong match.
        """
        snap = self._snap
        tokens = tokenize(query)
        if not tokens or snap.bm25 is None:
            return []
        bound = sum(snap.token_max.get(t, snap.rare_token_max) for t in tokens) or 1.0
        scores = snap.bm25.get_scores(tokens) / bound
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top])]
        return [(snap.chunks[i].id, float(scores[i])) for i in top if scores[i] > 0]

    def dense(self, query: str, n: int = _CANDIDATES) -> list[tuple[str, float]]:
        """Dense candidates, best first. An FAQ's score is lifted toward its best
        question/paraphrase cosine (FIELD_SHARE); other passages keep their chunk cosine."""
        return self.dense_views(query, n)[0]

    def dense_views(self, query: str, n: int = _CANDIDATES
                    ) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
        """(ranking scores, chunk cosines) for the same candidates, each best first.

        Ranking uses the phrasing-lifted scores; the calibrated confidence keeps reading chunk
        cosines, the scale it was fitted on (a lifted runner-up would shrink every margin)."""
        snap = self._snap
        if not snap.chunks:
            return [], []
        q = np.asarray(self.embed.embed_query([query])[0], dtype=np.float32)
        got = self.collection.query(
            query_embeddings=[q], n_results=min(n, len(snap.chunks)), include=["distances"],
        )
        body = {i: 1.0 - d for i, d in zip(got["ids"][0], got["distances"][0])}
        if not len(snap.field_parents):
            ranked = sorted(body.items(), key=lambda kv: -kv[1])
            return ranked, ranked
        unit = q / max(float(np.linalg.norm(q)), 1e-12)
        per_faq = np.full(len(snap.faq_ids), -2.0, dtype=np.float32)
        np.maximum.at(per_faq, snap.field_owner, snap.field_vectors @ unit)
        best = dict(zip(snap.faq_ids, per_faq.tolist()))
        for i in np.argsort(-per_faq)[:n].tolist():
            parent = snap.faq_ids[i]
            if parent not in body and parent in snap.faq_vectors:
                body[parent] = float(snap.faq_vectors[parent] @ unit)
        # A phrasing closer than the chunk lifts the FAQ; a farther one never sinks it below
        # its chunk cosine, which keeps FAQs comparable with articles (no phrasing vectors)
        # and keeps the calibrated confidence's cosine scale.
        share = self.field_share
        scored = {cid: cos + share * max(0.0, best[cid] - cos) if cid in best else cos
                  for cid, cos in body.items()}
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])[:n]
        return ranked, sorted(((cid, body[cid]) for cid, _ in ranked), key=lambda kv: -kv[1])

    def search(
        self,
        query: str,
        k: int = 5,
        topics: frozenset[str] = frozenset(),
        mode: Mode = "hybrid",
        dense_weight: float = DENSE_WEIGHT,
    ) -> SearchResult:
        """Scored passages for a query. `topics` (from the recognised intent) adds a small
        bonus to passages on those topics; `mode` isolates one retriever for benchmarks."""
        snap = self._snap
        if not snap.chunks or not query.strip():
            return SearchResult(passages=[], confidence=0.0)
        lexical = self.lexical(query) if mode != "vector" else []
        dense, chunk_dense = self.dense_views(query) if mode != "bm25" else ([], [])
        query_lang = detect_language(query)
        if query_lang and self.lexical_same_language and mode == "hybrid":
            # Across languages BM25 only matches incidental tokens (brand names, numbers)
            # and those votes push a generic page above the right one.
            lexical = [(cid, sc) for cid, sc in lexical
                       if cid in snap.by_id and snap.by_id[cid].lang == query_lang]
        lex_score = dict(lexical)
        cos = dict(dense)
        chunk_cos = dict(chunk_dense)
        if query_lang and self.cross_lingual_offset:
            # e5 scores a passage in the query's own language higher than the same passage
            # in the other language (by ~0.04-0.06 on the demo set). A passage that exists
            # only in the other language gets that back, so it can still win; a passage with
            # a version in the query's language competes through that version instead.
            lifted = {cid for cid in cos if self._only_other_language(cid, query_lang)}
            cos = {cid: c + self.cross_lingual_offset * (cid in lifted) for cid, c in cos.items()}
            chunk_cos = {cid: c + self.cross_lingual_offset * (cid in lifted)
                         for cid, c in chunk_cos.items()}
        lex_norm = lex_score if self.lexical_norm == "bound" else _minmax(lex_score)
        # A lexical-only candidate is at least as far as the farthest dense candidate.
        floor = min(cos.values()) if cos else 0.0
        pooled = {cid: cos.get(cid, floor) for cid in set(cos) | set(lex_score)}
        if self.dense_norm == "range":
            lo, hi = _E5_RANGE
            dense_norm = {k: min(1.0, max(0.0, (v - lo) / (hi - lo))) for k, v in pooled.items()}
        else:
            dense_norm = _minmax(pooled)
        w = {"hybrid": dense_weight, "bm25": 0.0, "vector": 1.0}[mode]
        fused: dict[str, float] = {}
        for cid in set(lex_score) | set(cos):
            score = w * dense_norm.get(cid, 0.0) + (1 - w) * lex_norm.get(cid, 0.0)
            chunk = snap.by_id.get(cid)
            if chunk is None:
                continue
            if topics and topics.intersection(chunk.topics):
                score += TOPIC_BONUS
            if chunk.is_overview:
                score -= OVERVIEW_PENALTY
            fused[cid] = score
        # Ties (e.g. every cosine below the working range) fall back to raw cosine, then id,
        # so the same query always gets the same answer.
        order = sorted(fused, key=lambda c: (-fused[c], -cos.get(c, 0.0), c))[:k]
        lex_rank = {cid: r for r, (cid, _) in enumerate(lexical)}
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense)}
        passages = [
            Passage(
                chunk=snap.by_id[cid],
                score=round(fused[cid], 6),
                dense=chunk_cos.get(cid, 0.0),
                lexical=lex_score.get(cid, 0.0),
                lexical_rank=lex_rank.get(cid),
                dense_rank=dense_rank.get(cid),
            )
            for cid in order
        ]
        confidence = self.calibrator.confidence(passages, snap.by_id, lexical, chunk_dense)
        return SearchResult(passages=passages, confidence=confidence)

    def _only_other_language(self, cid: str, query_lang: str) -> bool:
        snap = self._snap
        chunk = snap.by_id.get(cid)
        return (chunk is not None and chunk.lang != query_lang
                and query_lang not in snap.group_langs.get(chunk.group, ()))

    def counterpart(self, chunk: Chunk, lang: Lang) -> Chunk:
        """The same passage in `lang` when the knowledge base has it, else the chunk itself."""
        if chunk.lang == lang:
            return chunk
        return self._snap.by_id.get(f"{chunk.group}:{lang}", chunk)


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta = chunk.model_dump(exclude={"text", "topics"})
    meta["topics"] = ",".join(chunk.topics)  # Chroma metadata values are scalars
    meta["hash"] = chunk.content_hash
    return meta


def _chunk_from(doc: str, meta: dict[str, Any]) -> Chunk:
    fields = {k: v for k, v in meta.items() if k != "hash"}
    fields["topics"] = [t for t in str(meta.get("topics") or "").split(",") if t]
    return Chunk.model_validate(fields | {"text": doc})
