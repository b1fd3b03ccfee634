"""Slot extractors: property tests over amounts, dates, products and digit scripts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from agent import slots
from agent.products import Product, ProductMatcher

TODAY = date(2026, 11, 23)
PRODUCTS_FILE = Path(__file__).parents[1] / "tools" / "demo_data" / "products.yaml"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
scripts = st.sampled_from([str.maketrans("", ""), ARABIC_INDIC, PERSIAN])


def _grouped(value: Decimal, sep: str) -> str:
    whole, _, frac = f"{value:.2f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sep.join(groups) + ("." + frac if frac != "00" else "")


@settings(max_examples=150, deadline=None)
@given(
    cents=st.integers(min_value=1, max_value=99_999_999),
    grouped=st.booleans(),
    script=scripts,
    form=st.sampled_from([
        "I was charged {n} SAR twice", "refund SAR {n} please", "it cost {n} riyals",
        "انخصم مني {n} ريال", "المبلغ {n} ر.س", "دفعت {n} ريال سعودي", "price was SR {n}",
        "ابي استرجع {n}ريال",
    ]),
)
def test_amounts_in_sar_are_read_in_any_digit_script(cents, grouped, script, form):
    value = Decimal(cents) / 100
    number = _grouped(value, ",") if grouped else f"{value:.2f}".removesuffix(".00")
    found = slots.extract(form.format(n=number.translate(script)), TODAY)
    assert Decimal(found["amount"]) == value
    assert found["currency"] == "SAR"
    assert "order_id" not in found  # a six-digit amount is not an order number


@pytest.mark.parametrize("text", ["٢٥٠٫٥٠ ريال", "250.50 SAR", "SAR 250.5", "250.50ريال"])
def test_arabic_decimal_separator_and_spacing(text):
    assert slots.extract(text)["amount"] == "250.5"


@pytest.mark.parametrize("text", ["I have 2 questions", "order 100251", "2026 model", "call me in 5"])
def test_numbers_without_a_currency_are_not_amounts(text):
    assert "amount" not in slots.extract(text)


RELATIVE = {
    "today": 0, "yesterday": -1, "tomorrow": 1, "the day before yesterday": -2,
    "اليوم": 0, "أمس": -1, "امس": -1, "البارحة": -1, "بكرة": 1, "بكره": 1, "باكر": 1,
    "غداً": 1, "قبل أمس": -2, "بعد بكرة": 2, "3 days ago": -3, "a week ago": -7,
    "قبل يومين": -2, "قبل ٣ أيام": -3, "قبل أسبوع": -7, "صار لي اسبوعين": -14,
}


@pytest.mark.parametrize("phrase,days", RELATIVE.items())
def test_relative_dates_in_both_languages(phrase, days):
    found = slots.extract(f"my order came {phrase} الطلب", TODAY)
    assert found["date"] == (TODAY + timedelta(days=days)).isoformat()


@settings(max_examples=150, deadline=None)
@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    script=scripts,
    form=st.sampled_from(["{d:02}/{m:02}/{y}", "{d}/{m}/{y}", "{y}-{m:02}-{d:02}", "{d}-{m}-{y}",
                          "{d} {month_en} {y}", "{month_en} {d}, {y}", "{d} {month_ar} {y}"]),
    prefix=st.sampled_from(["delivered on ", "وصلني يوم ", "ordered ", ""]),
)
def test_absolute_dates_day_first_in_any_digit_script(day, script, form, prefix):
    months_en = ["January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"]
    months_ar = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
                 "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
    text = prefix + form.format(d=day.day, m=day.month, y=day.year,
                                month_en=months_en[day.month - 1], month_ar=months_ar[day.month - 1])
    assert slots.extract(text.translate(script), TODAY)["date"] == day.isoformat()


def test_an_impossible_date_is_not_a_date():
    assert "date" not in slots.extract("on 31/02/2026", TODAY)


@pytest.fixture(scope="module")
def products() -> ProductMatcher:
    return ProductMatcher.load(PRODUCTS_FILE)


def test_every_catalogue_product_is_found_by_its_name_in_both_languages(products):
    raw = yaml.safe_load(PRODUCTS_FILE.read_text("utf-8"))
    for item in raw:
        for lang, template in (("en", "my {} stopped working"), ("ar", "عندي مشكلة في {}")):
            found = slots.extract(template.format(item["name"][lang]), TODAY, products)
            assert found.get("product") == item["sku"], (lang, item["name"][lang])


@pytest.mark.parametrize("text,sku", [
    ("my iphone 16 pro arrived scratched", "PH-APL-IP16P-256"),
    ("my iphone 16 128gb", "PH-APL-IP16-128"),
    ("ايفون ١٦ برو وصلني مكسور", "PH-APL-IP16P-256"),
    ("ثلاجة سامسونج ما تبرد", "FR-SAM-RS64-635"),
    ("the dyson is not charging", "VC-DYS-V15-DETECT"),
    ("بالمكنسة دايسون مشكلة", "VC-DYS-V15-DETECT"),
    ("galaxy s24 ultra screen issue", "PH-SAM-S24U-256"),
])
def test_short_product_mentions(products, text, sku):
    assert slots.extract(text, TODAY, products)["product"] == sku


@pytest.mark.parametrize("text", ["samsung", "I want a phone", "سامسونج", "my order 100251",
                                  "I have 16 questions about pro plans"])
def test_vague_mentions_name_no_product(products, text):
    assert "product" not in slots.extract(text, TODAY, products)


def test_aliases_from_the_product_file_are_used():
    matcher = ProductMatcher([Product(sku="X1", name={"en": "Zeta Widget 3000", "ar": "زيتا"},
                                      aliases=["the blue box"]),
                              Product(sku="Y2", name={"en": "Other Thing", "ar": "شيء"})])
    assert slots.extract("my blue box broke", TODAY, matcher)["product"] == "X1"


@settings(max_examples=100, deadline=None)
@given(number=st.integers(min_value=100000, max_value=999999), script=scripts,
       form=st.sampled_from(["RW-{}", "rw {}", "#{}", "طلب رقم {}", "order {} please"]))
def test_order_numbers_in_any_digit_script(number, script, form):
    found = slots.extract(form.format(str(number).translate(script)), TODAY)
    assert found["order_id"] == f"RW-{number}"


@settings(max_examples=100, deadline=None)
@given(rest=st.text(alphabet="0123456789", min_size=8, max_size=8), script=scripts,
       form=st.sampled_from(["05{a}{b}", "+9665{a}{b}", "009665{a}{b}", "05{a} {b}", "05{a}-{b}",
                             "+966 5{a} {b}"]))
def test_saudi_mobiles_with_spaces_dashes_and_any_digits(rest, script, form):
    text = form.format(a=rest[:4], b=rest[4:]).translate(script)
    found = slots.extract(f"رقمي {text}")
    assert found["phone"] == f"+9665{rest}"
    assert "order_id" not in found
