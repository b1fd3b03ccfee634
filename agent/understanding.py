"""Understanding one customer message: intent, slots and frustration, in one call.

Built once at start-up from the intent catalogue, the product catalogue and the settings;
used by the graph's `sense` node, by `cx nlu` and by bench/understanding.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from agent import arabizi, frustration, slots
from agent.flows import Flows
from agent.intents import Embedder, IntentClassifier, IntentDefinition, IntentGuess, load_catalogue
from agent.products import ProductMatcher
from knowledge.normalize import detect_language


class Understood(BaseModel):
    intent: str
    confidence: float
    alternatives: list[IntentGuess]
    slots: dict[str, str]
    frustration: frustration.FrustrationReading
    language: str | None
    slot_only: bool = False


class Understanding:
    def __init__(
        self,
        definitions: list[IntentDefinition],
        classifier: IntentClassifier,
        products: ProductMatcher,
    ) -> None:
        self.definitions = definitions
        self.classifier = classifier
        self.products = products
        self.flows = Flows.model_validate({d.intent: d.flow for d in definitions})

    @classmethod
    def load(
        cls,
        catalogue_dir: Path,
        cache_dir: Path,
        products_file: Path,
        embedder: Embedder | None = None,
        fast_confidence: float = 0.85,
    ) -> "Understanding":
        definitions = load_catalogue(catalogue_dir)
        classifier = IntentClassifier.load_or_train(catalogue_dir, cache_dir, embedder)
        classifier.fast_confidence = fast_confidence
        # The Arabizi speller's word counts load once here, not on a customer's first message.
        arabizi.preload()
        return cls(definitions, classifier, ProductMatcher.load(products_file))

    def slots(self, text: str, today: date | None = None) -> dict[str, str]:
        return slots.extract(text, today or date.today(), self.products)

    def understand(
        self,
        text: str,
        *,
        previous_texts: Sequence[str] = (),
        failures: int = 0,
        previous_score: float | None = None,
        waited_minutes: float | None = None,
        today: date | None = None,
    ) -> Understood:
        prediction = self.classifier.predict(text)
        found = slots.extract(text, today or date.today(), self.products)
        return Understood(
            intent=prediction.best.intent,
            confidence=round(prediction.best.confidence, 4),
            alternatives=prediction.alternatives,
            slots=found,
            frustration=frustration.read(text, previous_texts, failures, previous_score,
                                         waited_minutes),
            language=detect_language(text),
            slot_only=bool(found) and slots.words_besides_slots(text) == 0,
        )
