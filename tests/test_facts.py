"""Answers computed from the brand's figures (policies/brand.yaml, agent/facts.py), in both
languages, and the check that the help centre states the same figures (one source of facts)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent import basket, dialogue
from agent.facts import amount_in, answer, cities_in, return_rule, units_in
from agent.products import ProductMatcher
from agent.replies import ReplyBook
from knowledge.normalize import normalize
from policies.engine import Policies

ROOT = Path(__file__).resolve().parents[1]
BRAND = Policies.load(ROOT / "policies").brand
BOOK = ReplyBook.load(ROOT / "policies" / "replies.yaml")
WORDS = dialogue.product_words(ROOT / "agent" / "product_words.yaml")
LARGE = {"fridge", "washer", "ac", "oven"}
RETURNS = Policies.load(ROOT / "policies").actions.start_return


def facts(text: str, lang: str, query: str | None = None) -> str:
    return " ".join(answer(text, query or text, lang, BRAND, BOOK, WORDS, LARGE))


@pytest.mark.parametrize("text,city", [
    ("كم ياخذ التوصيل لأبها؟", "Abha"), ("للرياض كم يوم", "Riyadh"), ("عالمدينة المنورة", "Madinah"),
    ("how long to jeddah", "Jeddah"), ("do you deliver to khamis mushait", "Khamis Mushait"),
])
def test_cities_are_found_with_their_clitics(text, city):
    found, _ = cities_in(text, BRAND)
    assert [c.en for c in found] == [city]


def test_a_word_that_is_also_a_city_needs_its_article():
    # "خبر" is news; "الخبر" is Khobar.
    assert cities_in("عندي خبر حلو", BRAND)[0] == []
    assert [c.en for c in cities_in("التوصيل للخبر", BRAND)[0]] == ["Khobar"]


@pytest.mark.parametrize("text,amount", [
    ("ثلاجة ب 7299 وادفع كاش", 7299.0), ("vat on a 1,150 sar order", 1150.0),
    ("where is RW-100234", None), ("my number 0501234567", None), ("3 days ago", None),
    ("VAT invoice please, our VAT number is 310987654300003", None),
    ("الرقم الضريبي ٣١٠٩٨٧٦٥٤٣٠٠٠٠٣", None),
])
def test_amounts_are_prices_not_ids_phones_or_days(text, amount):
    assert amount_in(text) == amount


@pytest.mark.parametrize("text,category,units", [
    ("install 3 split ACs", "ac", 3), ("تركيب مكيفين", "ac", 2), ("mount two TVs", "tv", 2),
    ("install my ac", "ac", None),
])
def test_units_are_counted_in_digits_words_and_the_arabic_dual(text, category, units):
    assert units_in(text, category) == units


@pytest.mark.parametrize("lang,text,wanted", [
    ("ar", "كم رسوم توصيل الثلاجة لأبها وكم يوم ياخذ؟", ["2 إلى 4 أيام عمل", "99 ريال", "1,500 ريال"]),
    ("en", "fee to jeddah and how long does it take?", ["1–2 business days", "25 SAR", "299 SAR"]),
    ("en", "how much to install 3 split ACs", ["597 SAR", "199 SAR per unit"]),
    ("ar", "كم تركيب مكيفين سبليت؟", ["تركيب مكيفين", "398 ريال"]),
    ("en", "how much is the vat on a 1150 sar order", ["150 SAR is VAT", "1,000 SAR"]),
    ("ar", "ابي اطلب ثلاجة ب 7299 وادفع كاش عند الاستلام", ["3,000 ريال", "تابي", "4 دفعات"]),
    ("en", "can i pay cash on delivery for 2,500 sar", ["15 SAR"]),
    ("en", "is delivery free on a 250 sar order?", ["under 299 SAR", "25 SAR"]),
    ("en", "whats faster for refunds, mada or visa?", ["3-7", "5-14"]),
    ("ar", "لو رجعت منتج ودفعت بمدى كم ياخذ؟ وبالبطاقة الائتمانية؟", ["3 إلى 7", "5 إلى 14"]),
    ("en", "can i get it same day in jeddah", ["Riyadh only"]),
    ("ar", "عندكم توصيل نفس اليوم بالرياض؟ وكم سعره؟", ["49 ريال", "13:00"]),
    ("en", "do you deliver to villages?", ["4–7 business days"]),
])
def test_a_question_with_a_case_gets_the_figure_for_that_case(lang, text, wanted):
    said = facts(text, lang)
    for piece in wanted:
        assert piece in said, (piece, said)


def test_a_follow_up_keeps_the_question_and_changes_the_case():
    # "and to Dammam?" after "how long to Riyadh?": the time, for Dammam.
    said = facts("and in dammam?", "en", query="and in dammam? how long does delivery take riyadh")
    assert "Dammam" in said and "1–2 business days" in said and "Riyadh" not in said


@pytest.mark.parametrize("text", ["where is my order", "وين طلبي", "how do i reset my password",
                                  "can i pay it in instalments?"])
def test_questions_without_a_case_get_no_computed_answer(text):
    assert facts(text, "en") == ""


def test_the_help_centre_states_the_brand_figures():
    """One source of facts: every figure in brand.yaml appears in the brand document and in
    the knowledge base, so an answer computed from it never contradicts a cited passage."""
    d, p = BRAND.delivery, BRAND.payment
    figures = [d.standard_fee, d.free_from, d.large_fee, d.large_free_from, d.same_day_fee,
               p.cod_limit, p.cod_fee] + [s.price for s in BRAND.installation.services.values()
                                          if s.price]
    brand_doc = (ROOT / "docs" / "demo-brand.md").read_text("utf-8")
    kb = (ROOT / "knowledge" / "demo_kb" / "faq.yaml").read_text("utf-8") + "".join(
        f.read_text("utf-8") for f in (ROOT / "knowledge" / "demo_kb" / "articles").rglob("*.md"))
    for figure in figures:
        shown = [f"{figure:,.0f}", f"{figure:.0f}"]
        assert any(s in brand_doc for s in shown), f"{figure} not in docs/demo-brand.md"
        assert any(s in kb for s in shown), f"{figure} not in the knowledge base"
    for zone in d.zones:
        lo, hi = zone.days
        assert f"{lo}–{hi}" in brand_doc or f"{lo}-{hi}" in brand_doc, zone.id
    for city in d.cities:
        assert city.en.split()[0] in brand_doc, city.en
    assert yaml.safe_load((ROOT / "policies" / "brand.yaml").read_text("utf-8"))["version"]
    assert normalize("الرياض") in [normalize(c.ar) for c in d.cities]


@pytest.mark.parametrize("lang,text,wanted,unwanted", [
    ("en", "and if i open the airpods and dont like them can i send them back", "hygiene", None),
    ("en", "if theyre still sealed in the box can i return them?", "within 15 days", "hygiene"),
    ("ar", "طيب لو استلمتها وفتحتها وما عجبتني، اقدر ارجعها؟", "لأسباب صحية", None),
    ("ar", "طب لو استلمتها ومفتحتهاش ينفع أرجعها؟", "خلال 15 يوماً", "صحية"),
])
def test_can_it_go_back_states_the_rule_for_opened_or_sealed(lang, text, wanted, unwanted):
    said = " ".join(return_rule(text, lang, RETURNS, BOOK))
    assert wanted in said and "30" in said  # the faulty-item window is always named
    if unwanted:
        assert unwanted not in said


@pytest.mark.parametrize("text", [
    "can i return my tv", "متى يرجع المبلغ؟", "i opened the app and cant find my order",
])
def test_no_return_rule_without_a_return_question_about_an_opened_or_sealed_item(text):
    assert return_rule(text, "en", RETURNS, BOOK) == []


@pytest.mark.parametrize("lang,text,wanted", [
    ("en", "fine. how much to install both units btw", ["398 SAR"]),
    ("ar", "طيب وكم تركيب الاثنين؟", ["398 ريال"]),
])
def test_a_count_about_the_order_in_focus_prices_every_unit(lang, text, wanted):
    # The order being discussed holds split ACs; the message names only how many.
    said = " ".join(answer(text, text, lang, BRAND, BOOK, WORDS, LARGE, focus=["ac"]))
    for piece in wanted:
        assert piece in said, (piece, said)


@pytest.mark.parametrize("text", ["ثلاجة ميديا ٢٦٠ لتر", "LG 65 inch TV", "a 9kg washer",
                                  "مكيف 18 ألف وحده"])
def test_a_products_size_is_not_its_price(text):
    assert amount_in(text) is None


def test_another_figure_of_the_same_case_is_answered_for_that_case():
    # "fee to Abha for a 1,099 washer? and how many days?": the second part is about Abha too,
    # and says the time without repeating the fee.
    first = "كم رسوم التوصيل لأبها لو طلبت غسالة سعرها ١٠٩٩"
    said = facts("وكم يوم توصل", "ar", query=f"{first} وكم يوم توصل")
    assert "أبها" in said and "2 إلى 4 أيام عمل" in said and "99 ريال" not in said


PRODUCTS = ProductMatcher.load(ROOT / "tools" / "demo_data" / "products.yaml")


def _basket(messages: list[str]) -> list[list[str]]:
    items: list[basket.Item] = []
    seen = []
    for text in messages:
        items = basket.update(items, text, PRODUCTS, lambda t: dialogue.categories_in(t, WORDS),
                              amount_in(text))
        seen.append([i["sku"] or i["category"] for i in items])
    return seen


def test_a_basket_follows_what_is_added_and_dropped_in_english():
    seen = _basket(["how much is delivery to jeddah for airpods pro?",
                    "ok and if i throw in the lg instaview fridge too?",
                    "nah forget the fridge, just the airpods then. cash ok for that?"])
    assert seen == [["AU-APL-APP2-USBC"], ["AU-APL-APP2-USBC", "FR-LG-INSTA-674"],
                    ["AU-APL-APP2-USBC"]]


def test_a_basket_follows_what_is_added_and_dropped_in_arabic():
    seen = _basket(["كم رسوم التوصيل لأبها لو طلبت غسالة ميديا اللي سعرها ١٠٩٩؟",
                    "طيب ولو ضفت معها ثلاجة ميديا ٢٦٠ لتر؟", "لا خلاص بدون الثلاجة"])
    assert seen == [["WM-MID-TL-8"], ["WM-MID-TL-8", "FR-MID-TM-260"], ["WM-MID-TL-8"]]


def test_a_new_question_about_another_product_replaces_the_basket():
    seen = _basket(["delivery for airpods pro?", "how much is delivery for the dyson v15?"])
    assert len(seen[-1]) == 1 and seen[-1][0].startswith("VC-")


@pytest.mark.parametrize("lang,total,cats,wanted,unwanted", [
    # AirPods and the LG fridge: 8,248 SAR with a large appliance is delivered free; too much
    # for cash on delivery.
    ("en", 8248.0, ["audio", "fridge"], ["1,500 SAR", "free"], []),
    ("ar", 2398.0, ["washer", "fridge"], ["1,500 ريال", "مجاني"], ["أقل من"]),
    ("ar", 1099.0, ["washer"], ["أقل من 1,500 ريال", "99 ريال"], []),
])
def test_the_whole_basket_decides_the_delivery_fee(lang, total, cats, wanted, unwanted):
    q = "and if i add it too, how much is delivery?" if lang == "en" else "وكم التوصيل لو ضفتها؟"
    said = " ".join(answer(q, q, lang, BRAND, BOOK, WORDS, LARGE, basket=(total, cats, True)))
    for piece in wanted:
        assert piece in said, (piece, said)
    for piece in unwanted:
        assert piece not in said, (piece, said)


@pytest.mark.parametrize("lang,total,wanted", [
    ("en", 8248.0, "3,000 SAR, so not for 8,248 SAR"), ("en", 949.0, "15 SAR"),
    ("ar", 2398.0, "2,398 ريال"),
])
def test_cash_on_delivery_is_judged_on_the_whole_basket(lang, total, wanted):
    q = "cash on delivery ok for that?" if lang == "en" else "اقدر ادفع كاش عند الاستلام؟"
    said = " ".join(answer(q, q, lang, BRAND, BOOK, WORDS, LARGE, basket=(total, [], True)))
    assert wanted in said, said



@pytest.mark.parametrize("text,sku", [
    ("and for a washing machine?", None), ("galaxy buds", "AU-SAM-BUDS3P"),
    ("samsung watch", "WR-SAM-GW7-44"), ("the lg instaview fridge", "FR-LG-INSTA-674"),
    ("ثلاجة ميديا ٢٦٠ لتر", "FR-MID-TM-260"), ("actually wait, next week", None),
])
def test_a_product_is_named_only_when_one_model_fits(text, sku):
    found = PRODUCTS.find(text)
    assert (found.sku if found else None) == sku


def test_a_fee_answer_gives_the_total():
    said = facts("fee for a midea washer at 1099 sar to jeddah?", "en")
    assert "1,198 SAR in all" in said, said
