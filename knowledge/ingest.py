"""Build or refresh the knowledge index from a folder of the company's documents."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from knowledge.documents import load_folder
from knowledge.index import IngestReport, KnowledgeIndex, Progress
from knowledge.tokens import encoding


class Problem(BaseModel):
    path: str
    reason: str


class IngestResult(BaseModel):
    folder: str
    files: int
    chunks: int
    report: IngestReport
    problems: list[Problem]


def ingest_folder(
    index: KnowledgeIndex,
    folder: Path,
    cache_dir: Path,
    max_tokens: int,
    progress: Progress | None = None,
) -> IngestResult:
    """Mirror `folder` into the index: new and changed chunks are embedded, deleted ones
    removed, unchanged ones left alone. Unreadable files are reported and skipped."""
    if not folder.is_dir():
        raise FileNotFoundError(f"knowledge folder not found: {folder}")
    enc = encoding(str(cache_dir.resolve()))
    loaded = load_folder(folder, enc, max_tokens)
    report = index.sync(loaded.chunks, progress=progress)
    return IngestResult(
        folder=str(folder),
        files=loaded.files,
        chunks=len(loaded.chunks),
        report=report,
        problems=[Problem(path=p.path, reason=p.reason) for p in loaded.problems],
    )
