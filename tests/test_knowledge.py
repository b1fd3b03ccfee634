"""Knowledge: offline tokeniser, citable chunks, cross-lingual answers."""

from __future__ import annotations

import hashlib

import pytest
import tiktoken.load

from knowledge.documents import load_folder
from knowledge.tokens import encoding, seed_tiktoken_cache


def test_tiktoken_works_without_network(tmp_path, monkeypatch):
    def no_network(*_a, **_k):
        raise AssertionError("tiktoken tried to download")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    encoding.cache_clear()
    enc = encoding(str(tmp_path))
    assert enc.decode(enc.encode("وين طلبي؟ where is my order")) == "وين طلبي؟ where is my order"
    cached = list(tmp_path.iterdir())
    assert len(cached) == 1
    # tiktoken checks this hash itself; the wheel's file must be the official one.
    assert hashlib.sha256(cached[0].read_bytes()).hexdigest().startswith("223921b7")
    assert seed_tiktoken_cache(tmp_path) == tmp_path


def test_demo_kb_chunks_are_citable_and_paired(settings, tmp_path):
    enc = encoding(str(tmp_path))
    loaded = load_folder(settings.knowledge_dir, enc, settings.chunk_tokens)
    assert not loaded.problems
    chunks = loaded.chunks
    faq = [c for c in chunks if c.kind == "faq"]
    articles = [c for c in chunks if c.kind == "article"]
    assert len({c.group for c in faq}) >= 40
    assert len({c.source for c in articles}) >= 16
    for c in chunks:
        assert c.source and c.title and c.anchor and c.lang in ("ar", "en")
        assert len(enc.encode(c.text)) <= settings.chunk_tokens * 2
    groups = {}
    for c in chunks:
        groups.setdefault(c.group, set()).add(c.lang)
    paired = sum(1 for langs in groups.values() if langs == {"ar", "en"})
    assert paired / len(groups) > 0.8


@pytest.mark.parametrize(
    "question,lang,expect",
    [
        ("can I pay with apple pay?", "ar", "Apple Pay"),
        ("هل أقدر أدفع كاش عند الاستلام؟", "en", "cash on delivery"),
    ],
)
async def test_answers_come_back_in_the_customers_language(assistant, question, lang, expect):
    from agent.outcomes import knowledge_reply

    deps = assistant.deps
    result = deps.knowledge.search(question)
    reply = knowledge_reply(result, lang, deps.knowledge, deps.replies,
                            deps.settings.knowledge_min_confidence,
                            deps.settings.knowledge_clarify_confidence)
    assert reply is not None and reply["lang"] == lang
    assert expect.lower() in reply["text"].lower()
    assert reply["citations"][0]["id"].endswith(f":{lang}")


async def test_unrelated_question_has_low_confidence(assistant):
    result = assistant.deps.knowledge.search("what is the capital of France")
    assert result.confidence < assistant.deps.settings.knowledge_clarify_confidence


@pytest.mark.parametrize("lang", ["ar", "en"])
async def test_middling_confidence_asks_which_topic_was_meant(assistant, lang):
    from agent.outcomes import knowledge_reply

    deps = assistant.deps
    result = deps.knowledge.search("payment", k=5)
    answer_at = deps.settings.knowledge_min_confidence
    clarify_at = deps.settings.knowledge_clarify_confidence
    middling = result.model_copy(update={"confidence": (answer_at + clarify_at) / 2})
    reply = knowledge_reply(middling, lang, deps.knowledge, deps.replies, answer_at, clarify_at)
    assert reply["data"]["template"] == "knowledge.clarify" and reply["lang"] == lang
    options = reply["quick_replies"]
    assert 2 <= len(options) <= 4
    # Options are shown in the customer's language, and the last one offers a person.
    assert options[-1]["label"] == deps.replies.label("quick.talk_to_human", lang)
    from knowledge.normalize import detect_language
    assert all(detect_language(o["label"]) in (lang, None) for o in options[:-1]), options
    low = result.model_copy(update={"confidence": clarify_at / 2})
    assert knowledge_reply(low, lang, deps.knowledge, deps.replies, answer_at, clarify_at) is None
