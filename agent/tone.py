"""A learned reading of a customer's tone: how likely one message is annoyed, frustrated or angry.

The hand-written lexicon in frustration.yaml knows the words someone listed; it misses anger
phrased any other way and flags calm messages that merely name a problem. This model learns
tone from labelled messages instead: English from GoEmotions (anger, annoyance and
disappointment against everything else) and Arabic from our own customer-service set
(`agent/data/tone_ar.csv`: Gulf, MSA, other dialects and Arabizi, calm problem reports
included on purpose), plus an English customer-service set (`agent/data/tone_en.csv`) because
Reddit comments do not sound like a shopper whose order is late.

It is one logistic regression over hashed word 1-2-grams and character 2-5-grams of the
normalised text, with a bias per script so each language keeps its own base rate. Hashing
keeps no vocabulary, so the shipped weights (`agent/models/tone.npz`) hold no training text.
Each language gets the probability threshold that maximised F1 on out-of-fold predictions of
its own training data; `weight()` maps that threshold onto the frustration score's "annoyed"
boundary, so a calm message stays "calm" and the escalation rules keep reading the same levels.
`evidence()` names the word n-grams that pushed a message up, so a human sees why.

Rebuild the weights with `cx nlu tone-train --goemotions DIR` (see the README).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer

from agent.arabizi import looks_like_arabizi
from knowledge.normalize import detect_language, normalize

MODEL_FILE = Path(__file__).with_name("models") / "tone.npz"
# Our own customer-service sets, written for this model (not evaluation data).
TRAINING_SETS = tuple(Path(__file__).with_name("data") / f"tone_{name}.csv"
                      for name in ("ar", "en", "ar_dev", "en_dev"))
RECIPE = "tone-v6:words1-2+chars_wb2-5+2^20+sublinear-idf+l2+lang-arabizi-bias+lr-balanced+sentence-max"
NEGATIVE_EMOTIONS = ("anger", "annoyance", "disappointment")
_BITS = 20
_TOKEN = r"(?u)\b\w+\b"
# Where the per-language threshold lands on the frustration scale (agent.frustration levels:
# annoyed from 0.25, frustrated from 0.5); tone alone tops out below "angry", which needs an
# insult, a threat or shouting besides.
_ANNOYED = 0.25
_TOP = 0.65
# The share of frustrated messages thresholds are chosen for: about one message in ten
# (GoEmotions has 11%; a shop's chat as a whole is calmer than the conversations that reach
# a human).
REALISTIC_PRIOR = 0.1
_MIN_GROUP = 50  # sources smaller than this in a language do not steer its threshold
# Words that only look like evidence (articles, pronouns) are dropped from explanations.
_STOP = re.compile(r"^(the|a|an|i|you|it|is|to|of|and|my|me|this|that|في|من|على|و|انا|ما)$")


@lru_cache(maxsize=1)
def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    words = HashingVectorizer(ngram_range=(1, 2), n_features=2**_BITS, alternate_sign=False,
                              norm=None, token_pattern=_TOKEN, lowercase=False)
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), n_features=2**_BITS,
                              alternate_sign=False, norm=None, lowercase=False)
    return words, chars


def _sublinear_idf_l2(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
    x = counts.astype(np.float32)
    x.data = 1.0 + np.log(x.data)
    x = x.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return csr_matrix(x.multiply(1.0 / norms.reshape(-1, 1)))


_LANGS = ("en", "ar", "arabizi")
# Sentence ends (marks kept with their sentence) and "but": where one message changes tone.
_SENTENCE = re.compile(r"(?<=[.!?؟\n])\s+|\s+(?=\bbut\b|\bبس\b|لكن)")
_MIN_PIECE_WORDS = 3


def _model_text(text: str) -> str:
    """Normalised (marks kept: "hello?" and "hello???" are not the same message)."""
    return normalize(text)


def _lang(text: str) -> str:
    """The bias and threshold bucket: Arabic script, Arabic in Latin letters, or English."""
    lang = detect_language(text) or "en"
    return "arabizi" if lang == "en" and looks_like_arabizi(text) else lang


@dataclass
class ToneModel:
    word_idf: np.ndarray
    char_idf: np.ndarray
    coef: np.ndarray  # word block, char block, then one bias per bucket in _LANGS
    intercept: float
    thresholds: dict[str, float]
    meta: dict

    # --- features ----------------------------------------------------------------------------

    @staticmethod
    def _counts(texts: list[str]) -> tuple[csr_matrix, csr_matrix]:
        words, chars = _vectorizers()
        norm = [_model_text(t) for t in texts]
        return words.transform(norm), chars.transform(norm)

    def _features(self, texts: list[str]) -> csr_matrix:
        w, c = self._counts(texts)
        found = [_lang(t) for t in texts]  # once per text: it runs on every message
        langs = np.array([[lang == bucket for bucket in _LANGS] for lang in found],
                         dtype=np.float32)
        return hstack([_sublinear_idf_l2(w, self.word_idf), _sublinear_idf_l2(c, self.char_idf),
                       csr_matrix(langs)]).tocsr()

    # --- reading -----------------------------------------------------------------------------

    def _raw(self, texts: list[str]) -> np.ndarray:
        z = self._features(texts) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.asarray(z).ravel()))

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """P(frustrated) per text: the highest of the whole text and each of its sentences,
        so "this is ridiculous!!! how much is delivery anyway" is not diluted by its calm
        second half (a bag of n-grams averages over everything it sees)."""
        if not texts:
            return np.zeros(0)
        pieces, owner = list(texts), list(range(len(texts)))
        for i, text in enumerate(texts):
            parts = [p for p in _SENTENCE.split(text) if len(p.split()) >= _MIN_PIECE_WORDS]
            if len(parts) > 1:
                pieces.extend(parts)
                owner.extend([i] * len(parts))
        raw = self._raw(pieces)
        out = raw[: len(texts)].copy()
        np.maximum.at(out, np.array(owner[len(texts):], dtype=int), raw[len(texts):])
        return out

    def probability(self, text: str) -> float:
        return float(self.probabilities([text])[0])

    def threshold(self, text: str) -> float:
        return self.thresholds.get(_lang(text), self.thresholds["en"])

    def weight(self, text: str, probability: float | None = None) -> float:
        """The message's tone on the frustration scale: the language's threshold maps to
        "annoyed" (0.25), certainty to 0.65, and below the threshold it stays calm."""
        p = self.probability(text) if probability is None else probability
        t = self.threshold(text)
        if p < t:
            return round(_ANNOYED * p / t * 0.8, 3)  # stays clearly under "annoyed"
        # Convex above the threshold: a message the model is only fairly sure of reads
        # "annoyed"; "frustrated" (0.5) takes near-certainty, as the lexicon's anger words did.
        rise = ((p - t) / max(1e-6, 1.0 - t)) ** 1.5
        return round(_ANNOYED + (_TOP - _ANNOYED) * rise, 3)

    def evidence(self, text: str, top: int = 3) -> list[str]:
        """The words and word pairs that raised this message's score most, strongest first."""
        words, _ = _vectorizers()
        grams = list(dict.fromkeys(words.build_analyzer()(_model_text(text))))
        if not grams:
            return []
        one_each = words.transform(grams)  # each n-gram as its own "document": its hash column
        scores = np.asarray(one_each @ (self.coef[: 2**_BITS] * self.word_idf)).ravel()
        order = np.argsort(-scores)
        picked: list[str] = []
        for i in order:
            if scores[i] <= 0 or len(picked) >= top:
                break
            if all(_STOP.match(w) for w in grams[i].split()) or any(
                    grams[i] in p or p in grams[i] for p in picked):
                continue
            picked.append(grams[i])
        return picked

    # --- storage -----------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        def sparse(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            idx = np.flatnonzero(v).astype(np.int32)
            return idx, v[idx].astype(np.float16)

        arrays = {}
        for name in ("word_idf", "char_idf", "coef"):
            arrays[f"{name}_idx"], arrays[f"{name}_val"] = sparse(getattr(self, name))
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays, intercept=np.array([self.intercept]),
                            sizes=np.array([len(self.word_idf), len(self.char_idf),
                                            len(self.coef)]),
                            meta=np.array(json.dumps(self.meta | {
                                "thresholds": self.thresholds})))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "ToneModel":
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("recipe") != RECIPE:
                raise ValueError(f"{path} was trained with {meta.get('recipe')!r}, this code "
                                 f"reads {RECIPE!r}: retrain with `cx nlu tone-train`")
            sizes = data["sizes"]

            def dense(name: str, size: int) -> np.ndarray:
                v = np.zeros(size, dtype=np.float32)
                v[data[f"{name}_idx"]] = data[f"{name}_val"].astype(np.float32)
                return v

            return cls(word_idf=dense("word_idf", sizes[0]), char_idf=dense("char_idf", sizes[1]),
                       coef=dense("coef", sizes[2]), intercept=float(data["intercept"][0]),
                       thresholds=meta.pop("thresholds"), meta=meta)


@lru_cache(maxsize=2)
def shipped(path: Path = MODEL_FILE) -> ToneModel | None:
    """The shipped model, or None when the file is missing (the lexicon then stands alone)."""
    return ToneModel.load(path) if path.exists() else None


# --- training --------------------------------------------------------------------------------

def read_goemotions(tsv: Path, labels: Path | None = None) -> list[tuple[str, int]]:
    """A GoEmotions TSV (text, label ids, comment id), its labels.txt beside it unless given:
    1 when any label is anger, annoyance or disappointment."""
    names = (labels or tsv.with_name("labels.txt")).read_text("utf-8").split()
    positive = {str(i) for i, n in enumerate(names) if n in NEGATIVE_EMOTIONS}
    rows = []
    with tsv.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0].strip():
                rows.append((parts[0], int(bool(positive & set(parts[1].split(","))))))
    return rows


def read_labelled_csv(path: Path) -> list[tuple[str, int]]:
    """CSV with `text` and either `label` (1/0) or `level` (calm = 0, anything else = 1)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "text" not in reader.fieldnames or not (
                {"label", "level"} & set(reader.fieldnames)):
            raise ValueError(f"{path}: needs a `text` column and a `label` or `level` column")
        rows = []
        for r in reader:
            if not (r.get("text") or "").strip():
                continue
            if r.get("level"):
                rows.append((r["text"], int(r["level"].strip().lower() != "calm")))
            else:
                rows.append((r["text"], int(str(r["label"]).strip().lower() in
                                            {"1", "true", "frustrated"})))
        return rows


# Intents whose examples are often said in anger: not used as calm examples.
# (Asking for a person is not anger in itself: talk_to_human examples stay, minus the
# heated ones the lexicon catches.)
_HEATED_INTENTS = frozenset({"complaint"})


def catalogue_calm_examples(folder: Path) -> list[tuple[str, int]]:
    """The intent catalogue's examples as calm (0) rows: ordinary requests ("where is my
    order?", "وين طلبي") said neutrally. Without them the model learns that order words mean
    anger, because our frustrated examples are about orders. Heated intents and examples the
    lexicon reads as frustrated are left out."""
    from agent.frustration import read
    from agent.intents import load_catalogue

    rows = []
    for definition in load_catalogue(folder):
        if definition.intent in _HEATED_INTENTS:
            continue
        for texts in definition.examples.values():
            rows.extend((t, 0) for t in texts if read(t, tone=None).level == "calm")
    return rows


def _idf(counts: csr_matrix) -> np.ndarray:
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    n = counts.shape[0]
    idf = np.log((1 + n) / (1 + df)) + 1.0
    idf[df < 2] = 0.0  # seen once: noise, and it would make the shipped file large
    return idf.astype(np.float32)


def _f1(y: np.ndarray, pred: np.ndarray, prior: float | None = None) -> float:
    """F1, optionally as if the share of frustrated messages were `prior` (reweighted)."""
    wp = wn = 1.0
    if prior is not None and 0 < y.mean() < 1:
        wp, wn = prior / y.mean(), (1 - prior) / (1 - y.mean())
    tp = wp * float(np.sum(pred & (y == 1)))
    fp = wn * float(np.sum(pred & (y == 0)))
    fn = wp * float(np.sum(~pred & (y == 1)))
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def _best_threshold(groups: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float]:
    """The threshold with the best mean F1 over groups of (labels, probabilities), each
    training source counting once, and each read at a realistic share of frustrated messages
    (REALISTIC_PRIOR): our own sets are half frustrated by design, real traffic is not, and a
    threshold tuned on a balanced set apologises to calm customers."""
    best = (0.5, -1.0)
    for t in np.linspace(0.05, 0.95, 91):
        f1 = float(np.mean([_f1(y, p >= t, REALISTIC_PRIOR) for y, p in groups]))
        if f1 > best[1]:
            best = (round(float(t), 2), round(f1, 4))
    return best


def train(sets: dict[str, list[tuple[str, int]]], *, c: float = 0.5, folds: int = 5,
          min_source_share: float = 0.15) -> ToneModel:
    """Fit on named sets of (text, 0/1) rows in any mix of languages.

    A small set is up-weighted to at least `min_source_share` of its language's total weight,
    so 600 shoppers' messages are not drowned by 43,000 Reddit comments. Thresholds per
    language come from out-of-fold predictions (mean F1 over that language's sets).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    texts, labels, source, langs = [], [], [], []
    for name, rows in sets.items():
        for text, label in rows:
            texts.append(text)
            labels.append(label)
            source.append(name)
            langs.append(_lang(text))
    y, source_a, langs_a = np.array(labels), np.array(source), np.array(langs)
    weights = np.ones(len(texts))
    for lang in set(langs):
        in_lang = langs_a == lang
        for name in set(source_a[in_lang]):
            mask = in_lang & (source_a == name)
            share = mask.sum() / in_lang.sum()
            if share < min_source_share:
                weights[mask] = min_source_share / share * (in_lang.sum() - mask.sum()) \
                    / in_lang.sum() / (1 - min_source_share)
    w_counts, c_counts = ToneModel._counts(texts)

    def fit(idx: np.ndarray) -> ToneModel:
        model = ToneModel(word_idf=_idf(w_counts[idx]), char_idf=_idf(c_counts[idx]),
                          coef=np.zeros(0), intercept=0.0, thresholds={}, meta={})
        x = model._features([texts[i] for i in idx])
        lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        lr.fit(x, y[idx], sample_weight=weights[idx])
        model.coef = lr.coef_.ravel().astype(np.float32)
        model.intercept = float(lr.intercept_[0])
        return model

    oof = np.zeros(len(texts))
    strata = np.char.add(np.char.add(langs_a.astype(str), source_a.astype(str)), y.astype(str))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=13).split(
            texts, strata):
        oof[test_idx] = fit(train_idx).probabilities([texts[i] for i in test_idx])
    model = fit(np.arange(len(texts)))
    cv: dict[str, dict] = {}
    for lang in sorted(set(langs)):
        groups = []
        for name in sorted(set(source_a[langs_a == lang])):
            mask = (langs_a == lang) & (source_a == name)
            if mask.sum() >= _MIN_GROUP or not groups:
                groups.append((y[mask], oof[mask]))
        t, _ = _best_threshold(groups)
        model.thresholds[lang] = t
        for name in sorted(set(source_a[langs_a == lang])):
            mask = (langs_a == lang) & (source_a == name)
            cv[f"{lang}/{name}"] = {"n": int(mask.sum()), "positives": int(y[mask].sum()),
                                    "oof_f1": round(_f1(y[mask], oof[mask] >= t), 4),
                                    "oof_f1_at_prior": round(_f1(y[mask], oof[mask] >= t,
                                                                 REALISTIC_PRIOR), 4)}
    model.thresholds.setdefault("en", 0.5)
    digest = hashlib.sha256("\n".join(f"{t}\t{label}" for t, label in zip(texts, labels))
                            .encode()).hexdigest()
    model.meta = {"recipe": RECIPE, "c": c, "folds": folds, "cross_validation": cv,
                  "training_rows_sha256": digest[:16], "sources": sorted(sets)}
    return model
