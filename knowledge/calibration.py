"""Calibrated retrieval confidence: the probability that the top passage answers the query.

A logistic model over a few retrieval features, fitted by `bench/calibrate.py` on labelled
queries (the demo brand's bilingual held-out set plus out-of-scope questions) and shipped as
`calibration.json`. The graph uses the probability to answer, ask a clarifying question, or
offer a person.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from knowledge.documents import Chunk
    from knowledge.index import Passage

DEFAULT_PATH = Path(__file__).with_name("calibration.json")
FEATURES = ("top_cosine", "margin", "agree", "in_both")


def features(
    passages: Sequence["Passage"],
    by_id: dict[str, "Chunk"],
    lexical: list[tuple[str, float]],
    dense: list[tuple[str, float]],
) -> dict[str, float]:
    top = passages[0]
    top_group = top.chunk.group
    top_cos = top.dense or (dense[0][1] if dense else 0.0)
    # The runner-up from a *different* passage group: the same FAQ in the other language
    # is not a competitor.
    second = next((c for cid, c in dense if cid in by_id and by_id[cid].group != top_group), None)
    margin = top_cos - second if second is not None else 0.0
    agree = bool(
        lexical and dense and lexical[0][0] in by_id and dense[0][0] in by_id
        and by_id[lexical[0][0]].group == by_id[dense[0][0]].group
    )
    return {
        "top_cosine": top_cos,
        "margin": margin,
        "agree": float(agree),
        "in_both": float(top.lexical_rank is not None and top.dense_rank is not None),
    }


class Calibrator(BaseModel):
    intercept: float
    weights: dict[str, float]
    fitted_on: str = "hand-set defaults"

    @classmethod
    def default(cls) -> "Calibrator":
        if DEFAULT_PATH.exists():
            return cls.model_validate(json.loads(DEFAULT_PATH.read_text("utf-8")))
        # Before fitting: e5 cosines for matching support passages sit near 0.86+.
        return cls(intercept=-43.0, weights={"top_cosine": 50.0, "margin": 20.0, "agree": 1.0,
                                             "in_both": 0.5})

    def probability(self, feats: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def confidence(
        self,
        passages: Sequence["Passage"],
        by_id: dict[str, "Chunk"],
        lexical: list[tuple[str, float]],
        dense: list[tuple[str, float]],
    ) -> float:
        if not passages:
            return 0.0
        return round(self.probability(features(passages, by_id, lexical, dense)), 4)

    def save(self, path: Path = DEFAULT_PATH) -> None:
        path.write_text(json.dumps(self.model_dump(), indent=2) + "\n", "utf-8")


def fit(rows: list[dict[str, float]], labels: list[int], note: str) -> Calibrator:
    """Logistic regression on the feature rows (L2-regularised, standardised inputs)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r[f] for f in FEATURES] for r in rows])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / std, labels)
    coef = model.coef_[0] / std
    intercept = float(model.intercept_[0] - (coef * mean).sum())
    return Calibrator(intercept=intercept, weights=dict(zip(FEATURES, map(float, coef))),
                      fitted_on=note)

