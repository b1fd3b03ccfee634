"""Intent catalogue (one YAML file per intent) and the offline classifier trained from it.

The classifier is a linear model over character and word n-grams of the normalised text:
character n-grams carry Arabic morphology, dialect spelling and typos; word n-grams carry
English phrasing. It trains in about a second and is cached by the catalogue's hash.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel, Field
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from scipy.sparse import hstack

from agent.slots import mask
from knowledge.normalize import normalize, tokenize


class IntentDefinition(BaseModel):
    intent: str
    description: dict[str, str]
    examples: dict[str, list[str]]


class IntentGuess(BaseModel):
    intent: str
    confidence: float


class IntentPrediction(BaseModel):
    best: IntentGuess
    alternatives: list[IntentGuess] = Field(default_factory=list)


def load_catalogue(folder: Path) -> list[IntentDefinition]:
    defs = [
        IntentDefinition.model_validate(yaml.safe_load(p.read_text("utf-8")))
        for p in sorted(folder.glob("*.yaml"))
    ]
    if not defs:
        raise ValueError(f"no intent files in {folder}")
    return defs


def catalogue_hash(defs: list[IntentDefinition]) -> str:
    # The feature recipe is part of the key: changing it must retrain cached models.
    blob = _RECIPE + "\n".join(d.model_dump_json() for d in defs)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


_RECIPE = "chars2-5+words+mask-v1"


def _word_features(text: str) -> list[str]:
    return tokenize(text)


class IntentClassifier:
    def __init__(
        self, chars: TfidfVectorizer, words: TfidfVectorizer, model: LogisticRegression
    ) -> None:
        self._chars = chars
        self._words = words
        self._model = model
        self.labels: list[str] = list(getattr(model, "classes_", []))

    def _features(self, texts: list[str]):
        return hstack([self._chars.transform(texts), self._words.transform(texts)]).tocsr()

    @classmethod
    def train(cls, defs: list[IntentDefinition]) -> "IntentClassifier":
        texts, labels = [], []
        for d in defs:
            for examples in d.examples.values():
                texts.extend(examples)
                labels.extend([d.intent] * len(examples))
        return cls.fit(texts, labels)

    @classmethod
    def fit(cls, raw_texts: list[str], labels: list[str]) -> "IntentClassifier":
        """Train on any labelled texts (the catalogue, or a benchmark's training file)."""
        texts = [normalize(mask(t)) for t in raw_texts]
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        words = TfidfVectorizer(analyzer=_word_features, sublinear_tf=True)
        chars.fit(texts)
        words.fit(texts)
        model = LogisticRegression(C=20.0, max_iter=2000)
        clf = cls(chars, words, model)
        model.fit(clf._features(texts), labels)
        clf.labels = list(model.classes_)
        return clf

    @classmethod
    def load_or_train(cls, catalogue_dir: Path, cache_dir: Path) -> "IntentClassifier":
        defs = load_catalogue(catalogue_dir)
        cache = cache_dir / f"intents-{catalogue_hash(defs)}.pkl"
        if cache.exists():
            try:
                with cache.open("rb") as fh:
                    return pickle.load(fh)
            except Exception:  # a stale or partial cache is rebuilt, never fatal
                cache.unlink(missing_ok=True)
        model = cls.train(defs)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(model, fh)
        tmp.replace(cache)
        return model

    def predict_many(self, texts: list[str]) -> list[str]:
        probs = self._model.predict_proba(self._features([normalize(mask(t)) for t in texts]))
        return [self.labels[i] for i in probs.argmax(axis=1)]

    def predict(self, text: str, top: int = 3) -> IntentPrediction:
        probs = self._model.predict_proba(self._features([normalize(mask(text))]))[0]
        order = np.argsort(-probs)[:top]
        guesses = [IntentGuess(intent=self.labels[i], confidence=float(probs[i])) for i in order]
        return IntentPrediction(best=guesses[0], alternatives=guesses[1:])
