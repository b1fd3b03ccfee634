"""Text handling: normalisation, slots and language detection (property tests included)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent import language, slots
from agent.arabizi import to_arabic
from knowledge.normalize import normalize, tokenize

AR_DIGITS = "٠١٢٣٤٥٦٧٨٩"


@given(st.text())
def test_normalize_is_idempotent(text):
    assert normalize(normalize(text)) == normalize(text)


@given(st.integers(min_value=100000, max_value=999999), st.booleans(), st.sampled_from(
    ["رقم الطلب {}", "order {} please", "وين طلبي #{}", "RW-{} status?", "طلبي RW{}"]))
def test_order_numbers_in_any_digit_script(number, arabic_digits, template):
    digits = str(number)
    if arabic_digits:
        digits = "".join(AR_DIGITS[int(d)] for d in digits)
    assert slots.extract(template.format(digits))["order_id"] == f"RW-{number}"


@given(st.integers(min_value=0, max_value=99999999), st.sampled_from(
    ["05{:08d}", "+9665{:08d}", "009665{:08d}", "05{:08d}"]), st.booleans())
def test_saudi_mobiles_in_any_format(n, fmt, spaced):
    raw = fmt.format(n)
    if spaced:
        raw = raw[:-7] + " " + raw[-7:-4] + "-" + raw[-4:]
    found = slots.extract(f"رقمي {raw}")
    assert found["phone"] == f"+9665{n:08d}"
    assert "order_id" not in found


def test_email_and_contact():
    found = slots.extract("my email is Sara.X+1@Example.com and order 100234")
    assert found == {"email": "sara.x+1@example.com", "contact": "sara.x+1@example.com",
                     "order_id": "RW-100234"}


def test_arabic_variants_share_one_form():
    assert normalize("إلغاء الطلبيّة") == normalize("الغاء الطلبيه")
    assert normalize("مـــرحبا ١٢٣") == "مرحبا 123"
    assert tokenize("بالطلب") == tokenize("للطلب") == tokenize("طلب")
    assert tokenize("التوصيل") == tokenize("توصيل")


def test_language_detection_handles_code_switching():
    assert language.detect("ابغى اسوي cancel للطلب") == "ar"
    assert language.detect("where is my order RW-100234") == "en"
    assert language.detect("RW-100234") is None
    assert language.detect("١٠٠٢٣٤") is None
    assert language.choose("ar", False, "hello there") == ("en", False, False)
    assert language.choose("ar", False, "in English please") == ("en", True, True)
    assert language.choose("en", True, "شكرا") == ("en", True, False)
    assert language.choose("en", False, "بالعربي لو سمحت") == ("ar", True, True)


def test_only_an_explicit_yes_counts_as_consent():
    from agent.confirmation import is_no, is_yes

    for yes in ["yes", "Yes please", "ok go ahead", "yes cancel it", "نعم", "ايه", "اكيد الغيه",
                "تمام", "go ahead"]:
        assert is_yes(yes), yes
    for not_yes in ["English please", "okay English please", "no", "لا", "لا تلغيه",
                    "yes but wait", "hmm", "طيب بس وش يصير بعدين",
                    "what is the refund time if i say yes to cancelling this order now"]:
        assert not is_yes(not_yes), not_yes
    assert is_no("no, keep it") and is_no("لا خلاص") and not is_no("yes")


ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىة"


@given(st.text(alphabet=ARABIC_LETTERS + "abcdefghijklmnopqrstuvwxyzABCDEF0123456789٠١٢٣٤٥٦٧٨٩ ",
               max_size=80))
def test_normalize_loses_no_letter_or_digit(text):
    # Every letter and digit maps to exactly one character: forms are unified, never dropped.
    assert len(normalize(text).replace(" ", "")) == len(text.replace(" ", ""))


@given(st.text(alphabet=ARABIC_LETTERS + "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640",
               max_size=40))
def test_diacritics_and_tatweel_never_change_meaningful_letters(text):
    bare = "".join(c for c in text if c in ARABIC_LETTERS)
    assert normalize(text) == normalize(bare)


@given(st.text(max_size=200))
def test_tokenize_is_stable_and_never_yields_empty_tokens(text):
    tokens = tokenize(text)
    assert all(tokens)
    assert tokenize(" ".join(tokens)) == tokenize(" ".join(tokens))


# --- Arabizi spelled by what Arabic speakers write (wordfreq counts) ---------------------------

@pytest.mark.parametrize("arabizi,expected", [
    ("w kman wain sa3at samsung? mta tosal", ["وكمان", "تصل"]),
    ("abi fatoora dareebiya b ism sharikti w raqmha el dareebi", ["فاتوره", "ضريبيه", "شركتي", "رقمها"]),
    ("tayeb kam lazem ajahez flous lil mandoob?", ["اجهز", "للمندوب"]),
    ("el mareed ta3ban w mosta3jil", ["المريض", "تعبان", "مستعجل"]),
])
def test_unknown_arabizi_words_take_their_common_arabic_spelling(arabizi, expected):
    out = to_arabic(arabizi)
    assert all(word in out for word in expected), out


@pytest.mark.parametrize("arabizi,kept", [
    ("abi a7ot rawaf care 3ala el jbl", ["rawaf", "care", "jbl"]),
    ("el charger ma yshta8el", ["charger"]),
    ("ee akeed al8 el microwave", ["al8", "microwave"]),
])
def test_brands_english_words_and_codes_stay_as_typed(arabizi, kept):
    out = to_arabic(arabizi)
    assert all(word in out for word in kept), out
