"""Intent catalogue (one YAML file per intent) and the offline classifier trained from it.

The classifier is one linear model over three views of a message:
- character n-grams of the normalised text: Arabic morphology, dialect spelling, typos;
- word n-grams: English phrasing;
- optionally multilingual e5 sentence vectors: paraphrases with no words in common, and
  a language the catalogue has few examples in.
Its probabilities are temperature-scaled on out-of-fold predictions, so "0.8" means about
80% of such guesses are right, and the engine's clarify/not-understood floors mean something.
The trained model is cached by the catalogue's hash, so start-up stays fast.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator
from scipy.optimize import minimize_scalar
from scipy.sparse import csr_matrix, hstack
from scipy.special import log_softmax, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from agent.flows import Flow
from agent.slots import mask
from knowledge.normalize import normalize, tokenize
from policies.loader import parse_yaml

# The feature recipe is part of the cache key: changing it must retrain cached models.
_RECIPE = "chars2-5+words+dense+mask-v2+temp"


class CatalogueError(ValueError):
    """A catalogue file is invalid; the message names the file and the field."""


class IntentDefinition(BaseModel):
    intent: str
    flow: Flow
    description: dict[str, str]
    examples: dict[str, list[str]]

    @model_validator(mode="after")
    def _examples_per_language(self) -> "IntentDefinition":
        for lang in ("en", "ar"):
            if len(self.examples.get(lang) or []) < 2:
                raise ValueError(f"needs at least two '{lang}' examples")
        return self


class IntentGuess(BaseModel):
    intent: str
    confidence: float


class IntentPrediction(BaseModel):
    best: IntentGuess
    alternatives: list[IntentGuess] = Field(default_factory=list)


class Embedder(Protocol):
    """Sentence vectors for short messages (query side), L2-normalised, one row per text."""

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


def load_catalogue(folder: Path) -> list[IntentDefinition]:
    defs: list[IntentDefinition] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            defs.append(IntentDefinition.model_validate(parse_yaml(path.read_text("utf-8"))))
        except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
            raise CatalogueError(f"{path}: {exc}") from None
    if not defs:
        raise CatalogueError(f"no intent files in {folder}")
    names = [d.intent for d in defs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CatalogueError(f"{folder}: intents defined twice: {dupes}")
    return defs


def catalogue_hash(defs: list[IntentDefinition], vectors: str | None = None) -> str:
    blob = _RECIPE + f"vectors={vectors}\n" + "\n".join(d.model_dump_json() for d in defs)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def catalogue_examples(defs: list[IntentDefinition]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for d in defs:
        for examples in d.examples.values():
            texts.extend(examples)
            labels.extend([d.intent] * len(examples))
    return texts, labels


def _word_features(text: str) -> list[str]:
    return tokenize(text)


def _prepare(text: str) -> str:
    return normalize(mask(text))


class _Linear:
    """Vectorisers and the linear model for one training set (used for folds and the final fit)."""

    def __init__(self, texts: list[str], dense: np.ndarray | None, labels: list[str],
                 dense_weight: float, c: float, sparse: bool = True) -> None:
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        self.words = TfidfVectorizer(analyzer=_word_features, sublinear_tf=True)
        self.sparse = sparse
        if sparse:
            self.chars.fit(texts)
            self.words.fit(texts)
        self.dense_weight = dense_weight
        # e5 vectors all point roughly the same way (cosines of unrelated texts are ~0.7):
        # centring them on the training mean makes the model converge in seconds, not minutes.
        self.dense_mean = None if dense is None else dense.mean(axis=0)
        self.model = LogisticRegression(C=c, max_iter=3000)
        self.model.fit(self.features(texts, dense), labels)

    def features(self, texts: list[str], dense: np.ndarray | None) -> csr_matrix:
        parts = [_tfidf(self.chars, texts), _tfidf(self.words, texts)] if self.sparse else []
        if dense is not None and self.dense_mean is not None:
            centred = dense - self.dense_mean
            centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
            parts.append(csr_matrix(centred * self.dense_weight))
        return hstack(parts).tocsr()

    def logits(self, texts: list[str], dense: np.ndarray | None) -> np.ndarray:
        # The linear algebra directly: sklearn's input validation costs more than the maths
        # for one short message, and this runs on every customer turn.
        scores = self.features(texts, dense) @ self.model.coef_.T + self.model.intercept_
        return np.asarray(scores).ravel() if scores.shape[1] == 1 else np.asarray(scores)


def _tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> csr_matrix:
    """Same result as `vectorizer.transform(texts)` (sublinear tf, idf, l2), without sklearn's
    per-call validation overhead."""
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    idf = vectorizer.idf_
    indptr, indices, values = [0], [], []
    for text in texts:
        counts: dict[int, int] = {}
        for gram in analyze(text):
            j = vocabulary.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        row = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))))
        row *= idf[cols]
        norm = np.sqrt((row * row).sum())
        if norm > 0:
            row /= norm
        indices.append(cols)
        values.append(row)
        indptr.append(indptr[-1] + len(cols))
    return csr_matrix(
        (np.concatenate(values) if values else np.zeros(0),
         np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64), indptr),
        shape=(len(texts), len(vocabulary)),
    )


def _fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    def nll(log_t: float) -> float:
        return -log_softmax(logits / np.exp(log_t), axis=1)[np.arange(len(gold)), gold].mean()

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


class _Calibrated:
    """A linear model and the temperature that makes its probabilities honest."""

    def __init__(self, core: _Linear, temperature: float) -> None:
        self.core = core
        self.temperature = temperature

    @classmethod
    def fit(cls, texts: list[str], dense: np.ndarray | None, labels: list[str], *,
            dense_weight: float, c: float, sparse: bool, folds: int) -> "_Calibrated":
        y = np.asarray(labels)
        temperature = 1.0
        folds = min(folds, int(min(np.unique(y, return_counts=True)[1])))
        if folds >= 2:
            oof_logits, oof_gold = [], []
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
            for train_idx, test_idx in splitter.split(texts, y):
                core = _Linear([texts[i] for i in train_idx],
                               None if dense is None else dense[train_idx], list(y[train_idx]),
                               dense_weight, c, sparse)
                logits = _two_columns(core.logits([texts[i] for i in test_idx],
                                                  None if dense is None else dense[test_idx]))
                index = {label: k for k, label in enumerate(core.model.classes_)}
                oof_logits.append(logits)
                oof_gold.append(np.array([index[label] for label in y[test_idx]]))
            temperature = _fit_temperature(np.vstack(oof_logits), np.concatenate(oof_gold))
        return cls(_Linear(texts, dense, labels, dense_weight, c, sparse), temperature)

    def probabilities(self, texts: list[str], dense: np.ndarray | None) -> np.ndarray:
        return softmax(_two_columns(self.core.logits(texts, dense)) / self.temperature, axis=1)


def _two_columns(logits: np.ndarray) -> np.ndarray:
    # With two classes sklearn returns one column of logits.
    return np.column_stack([-logits, logits]) if logits.ndim == 1 else logits


class IntentClassifier:
    """Calibrated intent probabilities for a message.

    With sentence vectors it holds two models: a fast one over n-grams (well under a
    millisecond) and a full one that adds e5 vectors (about 10-30 ms to embed a message on a
    CPU). `fast_confidence` makes a cascade: a message the fast model is at least that sure of
    is not embedded. 0 = always fast, above 1 = always full.
    """

    def __init__(self, fast: _Calibrated | None, full: _Calibrated | None) -> None:
        if fast is None and full is None:
            raise ValueError("an intent classifier needs at least one model")
        self._fast = fast
        self._full = full
        self.labels: list[str] = list((fast or full).core.model.classes_)  # type: ignore[union-attr]
        self.fast_confidence = 0.85
        self._embedder: Embedder | None = None

    @property
    def uses_dense(self) -> bool:
        return self._full is not None

    def __getstate__(self) -> dict:
        # The embedder is a live native model: never pickled, attached again after loading.
        return {k: v for k, v in self.__dict__.items() if k != "_embedder"} | {"_embedder": None}

    def attach(self, embedder: Embedder | None, fast_confidence: float | None = None) -> "IntentClassifier":
        if self._fast is None and embedder is None:
            raise ValueError("this intent model needs sentence vectors: attach an embedder")
        self._embedder = embedder
        if fast_confidence is not None:
            self.fast_confidence = fast_confidence
        return self

    @classmethod
    def train(cls, defs: list[IntentDefinition], embedder: Embedder | None = None) -> "IntentClassifier":
        return cls.fit(*catalogue_examples(defs), embedder=embedder)

    @classmethod
    def fit(
        cls,
        raw_texts: list[str],
        labels: list[str],
        embedder: Embedder | None = None,
        *,
        dense: np.ndarray | None = None,
        dense_weight: float = 1.0,
        c: float = 20.0,
        calibration_folds: int = 3,
        views: str = "auto",
    ) -> "IntentClassifier":
        """Train on any labelled texts (the catalogue, or a benchmark's training file).

        `dense` passes precomputed sentence vectors (benchmarks cache them); otherwise the
        embedder, if any, computes them. `views`: "tfidf" (n-grams only), "e5" (vectors
        only), "both" (one model over both), "auto" (the fast n-gram model, plus the full
        model when vectors are available).
        """
        texts = [_prepare(t) for t in raw_texts]
        if views == "auto":
            views = "cascade" if (dense is not None or embedder is not None) else "tfidf"
        if views != "tfidf" and dense is None:
            if embedder is None:
                raise ValueError(f"views={views!r} needs an embedder or precomputed vectors")
            dense = embedder.embed_queries(list(raw_texts))
        options = dict(dense_weight=dense_weight, c=c, folds=calibration_folds)
        fast = full = None
        if views in {"tfidf", "cascade"}:
            fast = _Calibrated.fit(texts, None, labels, sparse=True, **options)
        if views in {"both", "cascade"}:
            full = _Calibrated.fit(texts, dense, labels, sparse=True, **options)
        if views == "e5":
            full = _Calibrated.fit(texts, dense, labels, sparse=False, **options)
        model = cls(fast, full)
        model._embedder = embedder
        return model

    @classmethod
    def load_or_train(
        cls, catalogue_dir: Path, cache_dir: Path, embedder: Embedder | None = None
    ) -> "IntentClassifier":
        defs = load_catalogue(catalogue_dir)
        vectors = None if embedder is None else type(embedder).__name__
        cache = cache_dir / f"intents-{catalogue_hash(defs, vectors)}.pkl"
        if cache.exists():
            try:
                with cache.open("rb") as fh:
                    return pickle.load(fh).attach(embedder)
            except Exception:  # a stale or partial cache is rebuilt, never fatal
                cache.unlink(missing_ok=True)
        model = cls.train(defs, embedder)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(model, fh)
        tmp.replace(cache)
        return model

    # --- prediction ----------------------------------------------------------------------------

    def probabilities(self, raw_texts: list[str], dense: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in `labels` order."""
        texts = [_prepare(t) for t in raw_texts]
        if self._full is None:
            return self._fast.probabilities(texts, None)  # type: ignore[union-attr]
        probs = None
        todo = np.arange(len(texts))
        if self._fast is not None:
            probs = self._fast.probabilities(texts, None)
            todo = np.flatnonzero(probs.max(axis=1) < self.fast_confidence)
            if dense is None and self._embedder is None:
                return probs  # no vectors available: the fast model is all there is
        if len(todo):
            vectors = dense[todo] if dense is not None else self._embedder.embed_queries(  # type: ignore[union-attr]
                [raw_texts[i] for i in todo])
            full = self._full.probabilities([texts[i] for i in todo], vectors)
            if probs is None:
                return full
            probs[todo] = full
        return probs  # type: ignore[return-value]

    def predict_many(self, texts: list[str], dense: np.ndarray | None = None) -> list[str]:
        probs = self.probabilities(texts, dense)
        return [self.labels[i] for i in probs.argmax(axis=1)]

    def predict(self, text: str, top: int = 3) -> IntentPrediction:
        probs = self.probabilities([text])[0]
        order = np.argsort(-probs, kind="stable")[:top]
        guesses = [IntentGuess(intent=self.labels[i], confidence=float(probs[i])) for i in order]
        return IntentPrediction(best=guesses[0], alternatives=guesses[1:])
