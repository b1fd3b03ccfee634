"""Hybrid retrieval: BM25 over normalised text + e5 vectors in Chroma, fused with RRF."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import chromadb
import numpy as np
from chromadb.api.models.Collection import Collection
from chromadb.api.types import EmbeddingFunction
from chromadb.config import Settings as ChromaSettings
from pydantic import BaseModel

from knowledge.documents import Chunk, Lang
from knowledge.normalize import tokenize

_RRF_K = 60
_CANDIDATES = 20


class Passage(BaseModel):
    chunk: Chunk
    score: float
    dense: float
    lexical_rank: int | None
    dense_rank: int | None


class SearchResult(BaseModel):
    passages: list[Passage]
    confidence: float


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


def _confidence(top_cosine: float, agree: bool) -> float:
    """Map e5's compressed cosine range to 0..1; agreement of both retrievers adds evidence.

    e5 cosines for relevant support passages sit around 0.84-0.92 and for unrelated text
    around 0.70-0.80, so a logistic centred at 0.83 separates them.
    """
    z = (top_cosine - 0.83) / 0.02 + (1.0 if agree else -0.5)
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class KnowledgeIndex:
    collection: Collection
    embed: EmbeddingFunction
    _chunks: list[Chunk] = field(default_factory=list)
    _by_id: dict[str, Chunk] = field(default_factory=dict)
    _bm25: bm25s.BM25 | None = None

    # --- ingestion ---------------------------------------------------------------------------

    def sync(self, chunks: list[Chunk], batch: int = 64) -> IngestReport:
        """Make the collection hold exactly `chunks`, re-embedding only what changed."""
        existing = self.collection.get(include=["metadatas"])
        stored = {i: (m or {}).get("hash") for i, m in zip(existing["ids"], existing["metadatas"])}
        wanted = {c.id: c for c in chunks}
        report = IngestReport()
        stale = [i for i in stored if i not in wanted]
        if stale:
            self.collection.delete(ids=stale)
            report.removed = len(stale)
        todo = []
        for chunk in chunks:
            if chunk.id not in stored:
                report.added += 1
                todo.append(chunk)
            elif stored[chunk.id] != chunk.content_hash:
                report.updated += 1
                todo.append(chunk)
            else:
                report.unchanged += 1
        for start in range(0, len(todo), batch):
            part = todo[start : start + batch]
            self.collection.upsert(
                ids=[c.id for c in part],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )
        self.load()
        return report

    def load(self) -> None:
        """Read every chunk back from Chroma and build the in-memory lexical index."""
        got = self.collection.get(include=["documents", "metadatas"])
        self._chunks = [
            _chunk_from(doc, meta) for doc, meta in zip(got["documents"], got["metadatas"])
        ]
        self._by_id = {c.id: c for c in self._chunks}
        if self._chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index(
                [tokenize(f"{c.title}\n{c.text}") or ["<empty>"] for c in self._chunks],
                show_progress=False,
            )

    def __len__(self) -> int:
        return len(self._chunks)

    # --- retrieval ---------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, topics: frozenset[str] = frozenset()) -> SearchResult:
        """Fused BM25 + vector search. `topics` (from the recognised intent) acts as a third
        ranker in the fusion: passages on those topics get one extra top-rank vote."""
        if not self._chunks or not query.strip():
            return SearchResult(passages=[], confidence=0.0)
        n = min(_CANDIDATES, len(self._chunks))
        lexical: list[str] = []
        tokens = tokenize(query)
        if tokens and self._bm25 is not None:
            scores = self._bm25.get_scores(tokens)
            top = np.argsort(-scores)[:n]
            lexical = [self._chunks[i].id for i in top if scores[i] > 0]
        q_emb = self.embed.embed_query([query])
        dense = self.collection.query(
            query_embeddings=[np.asarray(q_emb[0], dtype=np.float32)],
            n_results=n,
            include=["distances"],
        )
        dense_ids = dense["ids"][0]
        cosine = {i: 1.0 - d for i, d in zip(dense_ids, dense["distances"][0])}
        fused: dict[str, float] = {}
        for ranking in (lexical, dense_ids):
            for rank, cid in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (_RRF_K + rank + 1)
        if topics:
            for cid in fused:
                chunk = self._by_id.get(cid)
                if chunk is not None and topics.intersection(chunk.topics):
                    fused[cid] += 1.0 / (_RRF_K + 1)
        order = sorted(fused, key=fused.__getitem__, reverse=True)[:k]
        passages = [
            Passage(
                chunk=self._by_id[cid],
                score=fused[cid],
                dense=cosine.get(cid, 0.0),
                lexical_rank=lexical.index(cid) if cid in lexical else None,
                dense_rank=dense_ids.index(cid) if cid in dense_ids else None,
            )
            for cid in order
            if cid in self._by_id
        ]
        if not passages:
            return SearchResult(passages=[], confidence=0.0)
        top = passages[0]
        agree = bool(lexical) and _same_group(self._by_id, lexical[0], dense_ids[0])
        return SearchResult(passages=passages, confidence=_confidence(max(cosine.values()), agree))

    def counterpart(self, chunk: Chunk, lang: Lang) -> Chunk:
        """The same passage in `lang` when the knowledge base has it, else the chunk itself."""
        if chunk.lang == lang:
            return chunk
        return self._by_id.get(f"{chunk.group}:{lang}", chunk)


def _same_group(by_id: dict[str, Chunk], a: str, b: str) -> bool:
    return a in by_id and b in by_id and by_id[a].group == by_id[b].group


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta = chunk.model_dump(exclude={"text", "topics"})
    meta["topics"] = ",".join(chunk.topics)  # Chroma metadata values are scalars
    meta["hash"] = chunk.content_hash
    return meta


def _chunk_from(doc: str, meta: dict[str, Any]) -> Chunk:
    fields = {k: v for k, v in meta.items() if k != "hash"}
    fields["topics"] = [t for t in str(meta.get("topics") or "").split(",") if t]
    return Chunk.model_validate(fields | {"text": doc})
