"""Understanding: every demo intent on held-out phrasing in both languages, calibration,
clarifying questions, the model cache, and `cx nlu`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from agent.intents import CatalogueError, IntentClassifier, load_catalogue
from agent.service import open_understanding
from evals.intents import read_cases, score
from tests.conftest import make_settings

CASES = Path(__file__).parent / "data" / "intent_cases.yaml"
CX = str(Path(sys.executable).with_name("cx"))


@pytest.fixture(scope="module")
def understanding(seeded_template):
    return open_understanding(make_settings(seeded_template))


def test_the_held_out_cases_are_not_catalogue_examples(understanding):
    trained = {e.strip().lower() for d in understanding.definitions
               for texts in d.examples.values() for e in texts}
    leaked = [c.text for c in read_cases(CASES) if c.text.strip().lower() in trained]
    assert not leaked


def test_every_demo_intent_is_understood_in_both_languages(understanding):
    """Paraphrases, typos, Gulf dialect and code-switching the model never saw, per intent."""
    cases = read_cases(CASES)
    intents = {d.intent for d in understanding.definitions}
    assert {c.intent for c in cases} == intents
    right: dict[tuple[str, str], list[str]] = defaultdict(list)
    wrong: dict[tuple[str, str], list[str]] = defaultdict(list)
    for case in cases:
        guess = understanding.understand(case.text).intent
        (right if guess == case.intent else wrong)[(case.intent, case.lang)].append(
            f"{case.style}: {case.text!r} -> {guess}")
    for intent in sorted(intents):
        for lang in ("en", "ar"):
            n_right = len(right[(intent, lang)])
            assert n_right >= 4, (intent, lang, wrong[(intent, lang)])
    total = sum(len(v) for v in right.values()) / len(cases)
    assert total >= 0.95, dict(wrong)


def test_each_style_is_covered_in_both_languages():
    styles = {(c.lang, c.style) for c in read_cases(CASES)}
    for lang in ("en", "ar"):
        for style in ("paraphrase", "typo", "codeswitch"):
            assert (lang, style) in styles
    assert ("ar", "dialect") in styles


def test_confidence_is_calibrated_on_unseen_messages(understanding):
    cases = read_cases(CASES)
    clf = understanding.classifier
    probs = clf.probabilities([c.text for c in cases])
    pred = [clf.labels[i] for i in probs.argmax(axis=1)]
    result = score([c.intent for c in cases], pred, list(probs.max(axis=1)))
    # Stated confidence within 10 points of observed accuracy, on average.
    assert result.expected_calibration_error < 0.1


@pytest.mark.parametrize("text", ["0501234567", "sarah.aldosari@example.com", "RW-100251", "١٠٠٢٥١"])
def test_a_bare_detail_is_marked_as_an_answer_not_a_request(understanding, text):
    assert understanding.understand(text).slot_only


def test_the_cascade_only_embeds_messages_the_fast_model_is_unsure_of(data_dir):
    settings = make_settings(data_dir, intent_vectors="cascade")
    clf = open_understanding(settings).classifier
    assert clf.uses_dense
    embedded: list[list[str]] = []

    class Counting:
        def embed_queries(self, texts):
            embedded.append(list(texts))
            return real.embed_queries(texts)

    real = clf._embedder
    clf.attach(Counting())
    try:
        sure = clf.probabilities(["where is my order"])[0].max()
        unsure_text = "hmm the thing from before"
        clf.probabilities([unsure_text])
    finally:
        clf.attach(real)
    assert sure >= clf.fast_confidence
    assert embedded == [[unsure_text]]


def test_the_model_is_cached_by_the_catalogue_hash(tmp_path, monkeypatch):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(Path(__file__).parents[1] / "agent" / "catalogue", catalogue)
    cache = tmp_path / "models"
    first = IntentClassifier.load_or_train(catalogue, cache)
    assert len(list(cache.glob("intents-*.pkl"))) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("retrained although the catalogue did not change")

    monkeypatch.setattr(IntentClassifier, "train", classmethod(no_training))
    again = IntentClassifier.load_or_train(catalogue, cache)
    assert again.labels == first.labels
    monkeypatch.undo()

    # A new example is a new catalogue: the model retrains and learns it.
    path = catalogue / "warranty.yaml"
    path.write_text(path.read_text("utf-8") + '    - "zorblex guarantee"\n', "utf-8")
    retrained = IntentClassifier.load_or_train(catalogue, cache)
    assert len(list(cache.glob("intents-*.pkl"))) == 2
    assert retrained.predict("zorblex guarantee").best.intent == "warranty"


def test_a_broken_catalogue_file_is_named(tmp_path):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(Path(__file__).parents[1] / "agent" / "catalogue", catalogue)
    (catalogue / "thanks.yaml").write_text("intent: thanks\nflow: {reply: thanks, tool: x}\n"
                                           "description: {en: x}\nexamples: {en: [a, b]}\n")
    with pytest.raises(CatalogueError, match=r"thanks\.yaml"):
        load_catalogue(catalogue)


def _cx(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CX_"))}
    env |= {"CX_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run([CX, "nlu", *args], capture_output=True, text=True, env=env, timeout=300)


def test_cx_nlu_eval_reports_accuracy_f1_and_confusions(data_dir, tmp_path):
    csv_file = tmp_path / "qa.csv"
    csv_file.write_text(
        "text,intent\nwhere is my order,track_order\nوين طلبي,track_order\n"
        "i want to cancel my order,cancel_order\nابي الغي الطلب,cancel_order\n"
        "how much is delivery,track_order\n", "utf-8")
    out = _cx(data_dir, "eval", str(csv_file), "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["n"] == 5 and result["accuracy"] == 0.8
    assert 0 < result["macro_f1"] < 1
    assert result["top_confusions"][0]["gold"] == "track_order"
    assert result["top_confusions"][0]["predicted"] == "delivery_info"
    human = _cx(data_dir, "eval", str(csv_file))
    assert "accuracy 0.800" in human.stdout and "track_order -> delivery_info" in human.stdout
    assert _cx(data_dir, "eval", str(csv_file), "--min-accuracy", "0.9").returncode == 1


def test_cx_nlu_eval_rejects_a_file_without_labels(data_dir, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("message\nhello\n", "utf-8")
    out = _cx(data_dir, "eval", str(bad))
    assert out.returncode == 2
    assert "need a text column" in out.stdout


def test_cx_nlu_train_uses_the_cache(data_dir):
    out = _cx(data_dir, "train")
    assert out.returncode == 0, out.stderr
    intents = len(list((Path(__file__).resolve().parents[1] / "agent" / "catalogue").glob("*.yaml")))
    assert f"{intents} intents" in out.stdout


@pytest.mark.parametrize("lang,ask,order,contact", [
    ("en", "hey can u check where my package is", "it's RW-100280", "sarah.aldosari@example.com"),
    ("ar", "ابي اعرف وين وصل طلبي", "١٠٠٢٥١", "٠٥٠ ١٢٣ ٤٥٦٧"),
])
def test_a_missing_slot_is_asked_for_and_the_next_turn_fills_it(api, lang, ask, order, contact):
    from tests.test_conversations import say, start

    cid = start(api, locale=lang)
    first = say(api, cid, ask)["replies"][0]
    assert first["data"]["template"] == "ask_order_id" and first["lang"] == lang
    second = say(api, cid, order)["replies"][0]
    assert second["data"]["template"] == "ask_contact"
    tracked = say(api, cid, contact)["replies"][-1]
    assert tracked["data"]["template"].startswith("track.")
    assert ("RW-100280" if lang == "en" else "RW-100251") in tracked["text"]


def test_every_quick_reply_button_means_what_it_says(understanding):
    """A customer who taps a quick reply is understood as the intent the button offers."""
    import yaml

    from settings import PACKAGE_ROOT

    labels = yaml.safe_load((PACKAGE_ROOT / "policies" / "replies.yaml").read_text("utf-8"))
    for intent, text in labels["labels"]["quick"].items():
        if intent in {"yes", "no"}:
            continue
        for lang in ("en", "ar"):
            assert understanding.understand(text[lang]).intent == intent, (intent, text[lang])


@pytest.mark.parametrize("lang,text,options,then", [
    ("en", "warranty installation", {"Warranty", "Installation"}, "knowledge.answer"),
    # "Cancel an order or make a complaint": choosing cancel starts that flow.
    ("ar", "إلغاء طلب او تقديم شكوى", {"إلغاء طلب", "تقديم شكوى"}, "ask_order_id"),
])
def test_when_two_intents_are_close_the_customer_chooses(api, lang, text, options, then):
    from tests.test_conversations import say, start

    cid = start(api, locale=lang)
    out = say(api, cid, text)
    reply = out["replies"][0]
    assert reply["data"]["template"] == "clarify", reply
    assert {q["label"] for q in reply["quick_replies"]} == options
    # Tapping a button carries on with that intent.
    chosen = say(api, cid, sorted(options)[0])["replies"][0]
    assert chosen["data"]["template"] == then
