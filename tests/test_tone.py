"""The learned tone model: what it reads in both languages, why, and how it is stored."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from agent import tone
from agent.frustration import read


@pytest.fixture(scope="module")
def model() -> tone.ToneModel:
    shipped = tone.shipped()
    assert shipped is not None, "agent/models/tone.npz must ship with the product"
    return shipped


# Frustration the old word lists did not know (no "angry word" in them), and calm messages
# that name a problem, in both languages.
FRUSTRATED = {
    "en": ["I've explained this three times already", "so I just keep waiting forever?",
           "been a week and nobody called me back"],
    "ar": ["يعني كل مرة نفس السالفة؟", "صار لي أسبوع أنتظر ومحد رد", "قلت لكم أكثر من مرة"],
}
CALM = {
    "en": ["the fridge door is a bit loose, can someone check it",
           "no rush, just wondering where my refund is", "I want to talk to a human agent"],
    "ar": ["للأسف المقاس ما ناسبني، أقدر أبدله؟", "مو مستعجل بس حاب أعرف وين الطلب",
           "ابغى اكلم موظف خدمة العملاء"],
}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_frustration_without_angry_words_is_read_with_its_evidence(lang):
    for text in FRUSTRATED[lang]:
        reading = read(text)
        assert reading.level != "calm", (text, reading.signals)
        toned = [s for s in reading.signals if s.kind == "tone"]
        assert toned and toned[0].evidence, reading.signals  # the words that raised it


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_calm_problem_report_stays_calm(lang):
    for text in CALM[lang]:
        assert read(text).level == "calm", (text, read(text).signals)


@pytest.mark.parametrize("text", ["this is ridiculous!!! how much is delivery anyway",
                                  "شكراً على الرد. بس والله خدمتكم صارت زفت"])
def test_an_angry_sentence_is_not_diluted_by_a_calm_one(model, text):
    whole = model.probability(text)
    assert whole >= model.threshold(text)
    assert read(text).level != "calm"


def test_evidence_names_words_from_the_message(model):
    text = "this is ridiculous, third time I ask"
    words = model.evidence(text)
    assert words and all(set(w.split()) <= set(text.replace(",", "").lower().split())
                         for w in words)


def test_the_weight_maps_each_languages_threshold_onto_annoyed(model):
    for text in ("where is the invoice", "وين الفاتورة"):
        t = model.threshold(text)
        assert model.weight(text, t) == pytest.approx(0.25)
        assert model.weight(text, t - 0.01) < 0.25
        assert model.weight(text, 1.0) < 0.75  # tone alone never reads "angry"


def test_train_save_load_round_trip_reads_the_same(tmp_path):
    rows = [("this is terrible, I am so angry", 1), ("worst service ever", 1),
            ("you people are useless", 1), ("thanks, all good", 0), ("where is the store", 0),
            ("can I pay by card", 0), ("زفت خدمتكم", 1), ("شكرا لكم", 0), ("وش طرق الدفع", 0),
            ("ليش كذا تأخرتوا", 1)] * 4
    trained = tone.train({"mini": rows}, folds=2)
    path = tmp_path / "tone.npz"
    trained.save(path)
    loaded = tone.ToneModel.load(path)
    texts = ["so angry right now", "شكرا", "terrible"]
    assert np.allclose(trained.probabilities(texts), loaded.probabilities(texts), atol=1e-2)
    assert loaded.thresholds == trained.thresholds
    assert loaded.meta["recipe"] == tone.RECIPE
    assert set(loaded.meta["cross_validation"]) >= {"en/mini", "ar/mini"}


def test_weights_from_another_recipe_are_refused_with_the_fix(tmp_path):
    trained = tone.train({"mini": [("bad", 1), ("good", 0)] * 6}, folds=2)
    trained.meta["recipe"] = "tone-v0"
    path = tmp_path / "old.npz"
    trained.save(path)
    with pytest.raises(ValueError, match="cx nlu tone-train"):
        tone.ToneModel.load(path)


def test_without_the_model_the_lexicon_still_reads_frustration(tmp_path):
    assert tone.shipped(tmp_path / "missing.npz") is None
    reading = read("you're all idiots, I will take legal action", tone=None)
    assert reading.level == "angry"
    assert {"insult", "threat_legal"} <= {s.kind for s in reading.signals}


def test_labelled_csv_errors_name_the_file_and_the_columns(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("message,score\nhello,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.csv.*text.*label"):
        tone.read_labelled_csv(bad)
    good = tmp_path / "good.csv"
    good.write_text("text,level\nزهقت,angry\nهلا,calm\n", encoding="utf-8")
    assert tone.read_labelled_csv(good) == [("زهقت", 1), ("هلا", 0)]


def test_the_cli_refuses_a_missing_goemotions_folder_clearly(tmp_path, monkeypatch):
    from cli import app

    monkeypatch.setenv("CX_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["nlu", "tone-train", "--goemotions", str(tmp_path / "nope"),
                                      "--out", str(tmp_path / "t.npz")])
    assert result.exit_code == 2
    assert "nope" in result.output
    assert not (tmp_path / "t.npz").exists()
