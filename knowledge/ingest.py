"""Build or refresh the knowledge index from a folder of FAQ and article files."""

from __future__ import annotations

from pathlib import Path

from knowledge.documents import load_folder
from knowledge.index import IngestReport, KnowledgeIndex
from knowledge.tokens import encoding


def ingest_folder(index: KnowledgeIndex, folder: Path, cache_dir: Path, max_tokens: int) -> IngestReport:
    if not folder.is_dir():
        raise FileNotFoundError(f"knowledge folder not found: {folder}")
    enc = encoding(str(cache_dir.resolve()))
    chunks = load_folder(folder, enc, max_tokens)
    return index.sync(chunks)
