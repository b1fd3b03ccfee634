#!/usr/bin/env python3
"""Generate the Rawaf demo CRM data (customers and orders).

Reads   tools/demo_data/products.yaml  (hand-written catalogue)
Writes  tools/demo_data/customers.yaml (60 customers)
        tools/demo_data/orders.json    (220 orders)

Everything is fictional. The output is deterministic: a single random.Random(2026)
drives every choice, so running the script twice produces byte-identical files.
Only the Python standard library and PyYAML are used.

The data follows docs/demo-brand.md:
  * prices in SAR include 15% VAT; vat_included = round(total * 15 / 115, 2)
  * delivery fee 25 SAR (free when the items subtotal >= 299); orders containing a large
    appliance 99 SAR (free when the subtotal >= 1500)
  * cash on delivery only for totals up to 3,000 SAR, with a 15 SAR COD fee
  * delivery times in business days from shipping: Riyadh/Jeddah/Dammam/Khobar 1-2,
    other main cities 2-4, remote areas 4-7 (Friday is treated as the non-working day)
  * free cancellation only before shipping; returns within 15 days of delivery
    (30 days when defective); earbuds only when defective; refunds within
    3 business days after the returned item passes inspection

The "current time" of the demo world is NOW (2026-11-23 12:00, KSA time).

Usage:  python scripts/generate_demo_crm.py
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "tools" / "demo_data"
PRODUCTS_FILE = DATA_DIR / "products.yaml"
CUSTOMERS_FILE = DATA_DIR / "customers.yaml"
ORDERS_FILE = DATA_DIR / "orders.json"

SEED = 2026
KSA = dt.timezone(dt.timedelta(hours=3))
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=KSA)
HISTORY_START = dt.datetime(2026, 6, 1, 0, 0, tzinfo=KSA)

N_CUSTOMERS = 60
FIRST_ORDER_NUMBER = 100101

STATUS_COUNTS = {
    "pending": 18,
    "processing": 20,
    "shipped": 22,
    "out_for_delivery": 16,
    "delivered": 88,
    "cancelled": 20,
    "returned": 17,
    "refunded": 19,
}
assert sum(STATUS_COUNTS.values()) == 220

# Test fixtures: C1001 (Arabic) and C1002 (English) get orders in every status.
FIXED_STATUSES = {
    "C1001": ["pending", "processing", "shipped", "out_for_delivery", "delivered",
              "delivered", "cancelled", "returned", "refunded"],
    "C1002": ["pending", "processing", "shipped", "out_for_delivery", "delivered",
              "cancelled", "returned", "refunded"],
}

# Money rules (docs/demo-brand.md)
STANDARD_FEE = Decimal("25")
STANDARD_FREE_FROM = Decimal("299")
LARGE_FEE = Decimal("99")
LARGE_FREE_FROM = Decimal("1500")
COD_FEE = Decimal("15")
COD_MAX_TOTAL = Decimal("3000")

# ---------------------------------------------------------------------------
# Names (English transliteration, Arabic)
# ---------------------------------------------------------------------------

MALE_FIRST = [
    ("Abdullah", "عبدالله"), ("Mohammed", "محمد"), ("Ahmed", "أحمد"), ("Khalid", "خالد"),
    ("Faisal", "فيصل"), ("Saud", "سعود"), ("Sultan", "سلطان"), ("Turki", "تركي"),
    ("Fahad", "فهد"), ("Nasser", "ناصر"), ("Omar", "عمر"), ("Abdulrahman", "عبدالرحمن"),
    ("Abdulaziz", "عبدالعزيز"), ("Yousef", "يوسف"), ("Ibrahim", "إبراهيم"), ("Majed", "ماجد"),
    ("Bandar", "بندر"), ("Nawaf", "نواف"), ("Hamad", "حمد"), ("Saleh", "صالح"),
    ("Ali", "علي"), ("Hassan", "حسن"), ("Meshal", "مشعل"), ("Rayan", "ريان"),
    ("Ziyad", "زياد"), ("Waleed", "وليد"), ("Mansour", "منصور"), ("Badr", "بدر"),
    ("Talal", "طلال"), ("Yazeed", "يزيد"), ("Mohannad", "مهند"), ("Osama", "أسامة"),
]

FEMALE_FIRST = [
    ("Sarah", "سارة"), ("Fatimah", "فاطمة"), ("Aisha", "عائشة"), ("Maha", "مها"),
    ("Reem", "ريم"), ("Lama", "لمى"), ("Hessa", "حصة"), ("Munira", "منيرة"),
    ("Abeer", "عبير"), ("Haifa", "هيفاء"), ("Amal", "أمل"), ("Dana", "دانة"),
    ("Jawaher", "جواهر"), ("Latifa", "لطيفة"), ("Shahad", "شهد"), ("Ghada", "غادة"),
    ("Hanan", "حنان"), ("Lujain", "لجين"), ("Rahaf", "رهف"), ("Wejdan", "وجدان"),
    ("Afnan", "أفنان"), ("Asma", "أسماء"), ("Nouf", "نوف"), ("Hind", "هند"),
    ("Maryam", "مريم"), ("Razan", "رزان"), ("Joud", "جود"), ("Arwa", "أروى"),
]

FAMILY_NAMES = [
    ("Al-Qahtani", "القحطاني"), ("Al-Otaibi", "العتيبي"), ("Al-Harbi", "الحربي"),
    ("Al-Ghamdi", "الغامدي"), ("Al-Zahrani", "الزهراني"), ("Al-Dosari", "الدوسري"),
    ("Al-Shehri", "الشهري"), ("Al-Mutairi", "المطيري"), ("Al-Anazi", "العنزي"),
    ("Al-Shammari", "الشمري"), ("Al-Subaie", "السبيعي"), ("Al-Malki", "المالكي"),
    ("Al-Omari", "العمري"), ("Al-Yami", "اليامي"), ("Al-Johani", "الجهني"),
    ("Al-Asmari", "الأسمري"), ("Al-Rashidi", "الرشيدي"), ("Al-Qurashi", "القرشي"),
    ("Al-Sulami", "السلمي"), ("Al-Ahmadi", "الأحمدي"), ("Al-Tamimi", "التميمي"),
    ("Al-Khaldi", "الخالدي"), ("Al-Hazmi", "الحازمي"), ("Al-Balawi", "البلوي"),
    ("Al-Faifi", "الفيفي"), ("Al-Sahli", "السهلي"), ("Al-Ruwaili", "الرويلي"),
    ("Al-Harthi", "الحارثي"), ("Al-Marri", "المري"), ("Al-Osaimi", "العصيمي"),
    ("Al-Baqmi", "البقمي"), ("Al-Jaber", "الجابر"), ("Al-Hamdan", "الحمدان"),
    ("Al-Nemer", "النمر"), ("Al-Sharif", "الشريف"), ("Al-Bishi", "البيشي"),
]

# A few English-speaking residents who are not Saudi (common among English-language customers).
EXPAT_NAMES = [
    ("m", ("Rahul", "راهول"), ("Menon", "مينون")),
    ("f", ("Priya", "بريا"), ("Nair", "ناير")),
    ("m", ("Imran", "عمران"), ("Khan", "خان")),
    ("f", ("Ayesha", "عائشة"), ("Siddiqui", "صديقي")),
    ("m", ("James", "جيمس"), ("Wilson", "ويلسون")),
    ("f", ("Emily", "إيميلي"), ("Clarke", "كلارك")),
    ("m", ("Omar", "عمر"), ("Haddad", "حداد")),
    ("f", ("Rania", "رانيا"), ("Khoury", "خوري")),
    ("m", ("Ahmed", "أحمد"), ("Farouk", "فاروق")),
    ("f", ("Maria", "ماريا"), ("Santos", "سانتوس")),
]

# ---------------------------------------------------------------------------
# Geography: cities, districts (en, ar, postal code), fulfilment warehouse, delivery zone
# ---------------------------------------------------------------------------

ZONE_TRANSIT = {"metro": (1, 2), "regional": (2, 4), "remote": (4, 7)}

WAREHOUSES = {
    "riyadh": {"en": "Riyadh", "ar": "الرياض"},
    "jeddah": {"en": "Jeddah", "ar": "جدة"},
    "dammam": {"en": "Dammam", "ar": "الدمام"},
}

CITIES = [
    {"key": "riyadh", "en": "Riyadh", "ar": "الرياض", "zone": "metro", "wh": "riyadh", "weight": 30,
     "districts": [("Al Olaya", "العليا", "12211"), ("Al Malqa", "الملقا", "13521"),
                   ("Al Nakheel", "النخيل", "12382"), ("Al Yasmin", "الياسمين", "13325"),
                   ("Al Sahafa", "الصحافة", "13315"), ("Al Rawdah", "الروضة", "13211"),
                   ("Hittin", "حطين", "13512"), ("Al Narjis", "النرجس", "13327"),
                   ("Al Wurud", "الورود", "12252"), ("Qurtubah", "قرطبة", "13245")]},
    {"key": "jeddah", "en": "Jeddah", "ar": "جدة", "zone": "metro", "wh": "jeddah", "weight": 20,
     "districts": [("Al Rawdah", "الروضة", "23435"), ("Al Salamah", "السلامة", "23525"),
                   ("Al Hamra", "الحمراء", "23323"), ("Al Shati", "الشاطئ", "23613"),
                   ("Al Zahra", "الزهراء", "23425"), ("Al Naeem", "النعيم", "23621"),
                   ("Obhur Al Shamaliyah", "أبحر الشمالية", "23816")]},
    {"key": "dammam", "en": "Dammam", "ar": "الدمام", "zone": "metro", "wh": "dammam", "weight": 9,
     "districts": [("Al Faisaliyah", "الفيصلية", "32272"), ("Al Shati Al Gharbi", "الشاطئ الغربي", "32413"),
                   ("Al Mazruiyah", "المزروعية", "32414"), ("Al Nuzha", "النزهة", "32252")]},
    {"key": "khobar", "en": "Khobar", "ar": "الخبر", "zone": "metro", "wh": "dammam", "weight": 7,
     "districts": [("Al Ulaya", "العليا", "34447"), ("Al Aqrabiyah", "العقربية", "34446"),
                   ("Al Rakah", "الراكة", "34227"), ("Al Yarmouk", "اليرموك", "34423")]},
    {"key": "makkah", "en": "Makkah", "ar": "مكة المكرمة", "zone": "regional", "wh": "jeddah", "weight": 6,
     "districts": [("Al Aziziyah", "العزيزية", "24243"), ("Al Awali", "العوالي", "24381"),
                   ("Al Shawqiyah", "الشوقية", "24351")]},
    {"key": "madinah", "en": "Madinah", "ar": "المدينة المنورة", "zone": "regional", "wh": "jeddah", "weight": 6,
     "districts": [("Quba", "قباء", "42318"), ("Al Aziziyah", "العزيزية", "42313"),
                   ("Shuran", "شوران", "42353")]},
    {"key": "taif", "en": "Taif", "ar": "الطائف", "zone": "regional", "wh": "jeddah", "weight": 3,
     "districts": [("Shihar", "شهار", "26521"), ("Al Hawiyah", "الحوية", "26571")]},
    {"key": "buraidah", "en": "Buraidah", "ar": "بريدة", "zone": "regional", "wh": "riyadh", "weight": 3,
     "districts": [("Al Rayyan", "الريان", "52367"), ("Al Safra", "الصفراء", "52381")]},
    {"key": "abha", "en": "Abha", "ar": "أبها", "zone": "regional", "wh": "jeddah", "weight": 3,
     "districts": [("Al Mansak", "المنسك", "62521"), ("Al Khalidiyah", "الخالدية", "62531")]},
    {"key": "khamis", "en": "Khamis Mushait", "ar": "خميس مشيط", "zone": "regional", "wh": "jeddah", "weight": 2,
     "districts": [("Al Nuzha", "النزهة", "62461"), ("Al Rabwah", "الربوة", "62432")]},
    {"key": "tabuk", "en": "Tabuk", "ar": "تبوك", "zone": "regional", "wh": "jeddah", "weight": 2,
     "districts": [("Al Muruj", "المروج", "47912"), ("Al Faisaliyah", "الفيصلية", "47911")]},
    {"key": "hail", "en": "Hail", "ar": "حائل", "zone": "regional", "wh": "riyadh", "weight": 2,
     "districts": [("Al Nuqrah", "النقرة", "55431"), ("Al Aziziyah", "العزيزية", "55421")]},
    {"key": "jazan", "en": "Jazan", "ar": "جازان", "zone": "regional", "wh": "jeddah", "weight": 2,
     "districts": [("Al Rawdah", "الروضة", "45142"), ("Al Safa", "الصفا", "45141")]},
    {"key": "najran", "en": "Najran", "ar": "نجران", "zone": "regional", "wh": "riyadh", "weight": 2,
     "districts": [("Al Faisaliyah", "الفيصلية", "66262"), ("Al Fahd", "الفهد", "66251")]},
    {"key": "alula", "en": "AlUla", "ar": "العلا", "zone": "remote", "wh": "jeddah", "weight": 1,
     "districts": [("Al Aziziyah", "العزيزية", "43541"), ("Al Ozaib", "العذيب", "43543")]},
]
CITY_BY_KEY = {c["key"]: c for c in CITIES}

STREETS = [
    "King Fahd Road", "King Abdulaziz Road", "King Abdullah Road", "Prince Sultan Street",
    "Prince Mohammed bin Salman Road", "Omar bin Al Khattab Street", "Othman bin Affan Road",
    "Al Imam Saud Road", "Prince Turki Street", "Al Madinah Road", "Abu Bakr Al Siddiq Road",
    "Al Amir Majed Street", "Ibn Khaldun Street", "Al Urubah Road", "Al Takhassusi Street",
    "Anas bin Malik Road", "Al Nahdah Street", "Khalid bin Al Walid Street",
]

# ---------------------------------------------------------------------------
# Carriers
# ---------------------------------------------------------------------------

CARRIER_AR = {"SMSA": "سمسا", "Aramex": "أرامكس", "SPL": "سبل (البريد السعودي)", "Rawaf Fleet": "أسطول رواف"}
PARCEL_CARRIERS = [("SMSA", 45), ("Aramex", 35), ("SPL", 20)]

PAYMENT_WEIGHTS = [
    ("mada", 30), ("apple_pay", 20), ("visa", 11), ("mastercard", 7), ("stc_pay", 7),
    ("tabby", 8), ("tamara", 6), ("cod", 11),
]
PAYMENT_LABEL = {
    "mada": ("mada card", "بطاقة مدى"),
    "visa": ("Visa card", "بطاقة فيزا"),
    "mastercard": ("Mastercard", "بطاقة ماستركارد"),
    "apple_pay": ("Apple Pay", "Apple Pay"),
    "stc_pay": ("STC Pay wallet", "محفظة STC Pay"),
    "tabby": ("Tabby", "تابي"),
    "tamara": ("Tamara", "تمارا"),
    "cod": ("cash on delivery", "الدفع عند الاستلام"),
}

IN_EAR_SKUS = {"AU-APL-APP2-USBC", "AU-SAM-BUDS3P", "AU-XIA-RBUDS5"}  # hygiene rule for returns

# How likely each category is to be the main item of an order.
CATEGORY_WEIGHTS = {
    "phone": 17, "audio": 11, "tv": 9, "laptop": 7, "tablet": 6, "wearable": 7,
    "small_appliance": 8, "coffee_machine": 4, "vacuum": 4, "accessory": 3,
    "fridge": 6, "washer": 6, "ac": 7, "oven": 3, "dishwasher": 2,
}
# Add-on items that are commonly bought together with a main item.
ADDON_CATEGORIES = ["accessory", "audio", "wearable", "small_appliance"]

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


class FlowMap(dict):
    """A mapping written in YAML flow style: {en: ..., ar: ...}."""


def _represent_flow_map(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


yaml.SafeDumper.add_representer(FlowMap, _represent_flow_map)


def bi(en: str, ar: str) -> dict:
    return {"en": en, "ar": ar}


def money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def is_business_day(d: dt.date) -> bool:
    return d.weekday() != 4  # Friday


def add_business_days(d: dt.date, n: int) -> dt.date:
    while n > 0:
        d += dt.timedelta(days=1)
        if is_business_day(d):
            n -= 1
    return d


def next_business_day(d: dt.date) -> dt.date:
    return add_business_days(d, 1)


def at(d: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=KSA)


def plus_minutes(rng: random.Random, t: dt.datetime, lo: int, hi: int) -> dt.datetime:
    return t + dt.timedelta(minutes=rng.randint(lo, hi))


def in_working_hours(rng: random.Random, t: dt.datetime, start: int = 8, end: int = 21) -> dt.datetime:
    """Move t into [start, end) on a business day (warehouse / courier hours)."""
    if t.hour >= end:
        t = at(t.date() + dt.timedelta(days=1), start) + dt.timedelta(minutes=rng.randint(0, 90))
    elif t.hour < start:
        t = at(t.date(), start) + dt.timedelta(minutes=rng.randint(0, 90))
    while not is_business_day(t.date()):
        t = at(t.date() + dt.timedelta(days=1), start) + dt.timedelta(minutes=rng.randint(0, 90))
    return t


# Orders are placed mostly in the evening.
HOUR_WEIGHTS = [1, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 8, 9, 9, 8, 4]


def random_order_time(rng: random.Random, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    """Random minute-precision time in [lo, hi]; evening-weighted when the window is long."""
    span = int((hi - lo).total_seconds() // 60)
    if span <= 3 * 24 * 60:
        return lo + dt.timedelta(minutes=rng.randint(0, span))
    while True:
        day = lo.date() + dt.timedelta(days=rng.randint(0, (hi.date() - lo.date()).days))
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        t = at(day, hour, rng.randint(0, 59))
        if lo <= t <= hi:
            return t


def ev(t: dt.datetime, code: str, location: dict, en: str, ar: str) -> dict:
    return {"at": iso(t), "code": code, "location": location, "description": bi(en, ar)}


# ---------------------------------------------------------------------------
# Customers
# ---------------------------------------------------------------------------


def ascii_slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def make_email(rng: random.Random, first: str, last: str, used: set) -> str:
    f, l = ascii_slug(first), ascii_slug(last)
    patterns = [f"{f}.{l}", f"{f}.{l}", f"{f}{l}", f"{f}_{l}", f"{f[0]}.{l}",
                f"{f}.{l}{rng.randint(1, 99)}", f"{f}{rng.randint(80, 99)}"]
    domain = "example.sa" if rng.random() < 0.3 else "example.com"
    local = rng.choice(patterns)
    email = f"{local}@{domain}"
    n = 2
    while email in used:
        email = f"{f}.{l}{n}@{domain}"
        n += 1
    used.add(email)
    return email


def make_phone(rng: random.Random, used: set) -> str:
    while True:
        phone = "+9665" + rng.choice("0345689") + "".join(str(rng.randint(0, 9)) for _ in range(7))
        if phone not in used:
            used.add(phone)
            return phone


def make_address(rng: random.Random, city: dict, exclude_district: str | None = None) -> dict:
    districts = [d for d in city["districts"] if d[0] != exclude_district] or city["districts"]
    d_en, d_ar, postal = rng.choice(districts)
    building = rng.randint(2001, 9899)
    street = rng.choice(STREETS)
    line1 = f"Bldg {building}, {street}"
    if rng.random() < 0.6:
        line1 += f", Apt {rng.randint(1, 24)}"
    return {
        "line1": line1,
        "district": bi(d_en, d_ar),
        "city": bi(city["en"], city["ar"]),
        "postal_code": postal,
        "country": "SA",
        "_city_key": city["key"],
    }


def pick_city(rng: random.Random) -> dict:
    return rng.choices(CITIES, weights=[c["weight"] for c in CITIES])[0]


def make_customers(rng: random.Random) -> list[dict]:
    langs = ["ar"] * 42 + ["en"] * 18
    tiers = ["standard"] * 36 + ["silver"] * 12 + ["gold"] * 8 + ["vip"] * 4
    # Fixed fixtures take one slot each.
    langs.remove("ar"); langs.remove("en")
    tiers.remove("gold"); tiers.remove("silver")
    rng.shuffle(langs)
    rng.shuffle(tiers)

    used_emails: set = set()
    used_phones: set = set()
    used_names: set = set()
    expats = list(EXPAT_NAMES)
    rng.shuffle(expats)

    customers = []
    for i in range(N_CUSTOMERS):
        cid = f"C{1001 + i}"
        if i == 0:
            gender, first, last, lang, tier, city = "m", MALE_FIRST[0], FAMILY_NAMES[0], "ar", "gold", CITY_BY_KEY["riyadh"]
            created = dt.date(2024, 3, 14)
        elif i == 1:
            gender, first, last, lang, tier, city = "f", FEMALE_FIRST[0], FAMILY_NAMES[5], "en", "silver", CITY_BY_KEY["jeddah"]
            created = dt.date(2023, 9, 2)
        else:
            lang, tier = langs.pop(), tiers.pop()
            city = pick_city(rng)
            if i == N_CUSTOMERS - 1:
                city = CITY_BY_KEY["alula"]  # guarantee one remote-area customer (4-7 day deliveries)
            created = dt.date(2021, 3, 1) + dt.timedelta(days=rng.randint(0, (dt.date(2026, 5, 31) - dt.date(2021, 3, 1)).days))
            if lang == "en" and expats and rng.random() < 0.4:
                gender, first, last = expats.pop()
            else:
                while True:
                    gender = "m" if rng.random() < 0.55 else "f"
                    first = rng.choice(MALE_FIRST if gender == "m" else FEMALE_FIRST)
                    last = rng.choice(FAMILY_NAMES)
                    if (first, last) not in used_names:
                        break
        used_names.add((first, last))
        name_en = f"{first[0]} {last[0]}"
        name_ar = f"{first[1]} {last[1]}"
        if i == 0:
            email, phone = "abdullah.alqahtani@example.com", "+966501234567"
            used_emails.add(email); used_phones.add(phone)
        elif i == 1:
            email, phone = "sarah.aldosari@example.com", "+966551870342"
            used_emails.add(email); used_phones.add(phone)
        else:
            email = make_email(rng, first[0], last[0], used_emails)
            phone = make_phone(rng, used_phones)

        home = make_address(rng, city)
        other = None
        if rng.random() < 0.25:
            # work address or family home; occasionally in another city
            other_city = city if rng.random() < 0.7 else pick_city(rng)
            other = make_address(rng, other_city, exclude_district=home["district"]["en"])
        customers.append({
            "id": cid, "gender": gender, "name": bi(name_en, name_ar), "email": email, "phone": phone,
            "language": lang, "tier": tier, "city": bi(city["en"], city["ar"]), "created_at": created,
            "_home": home, "_other": other,
        })
    return customers


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------


def choose_items(rng: random.Random, products: list[dict]) -> list[dict]:
    by_cat: dict[str, list[dict]] = {}
    for p in products:
        by_cat.setdefault(p["category"], []).append(p)
    cats = [c for c in CATEGORY_WEIGHTS if c in by_cat]
    main_cat = rng.choices(cats, weights=[CATEGORY_WEIGHTS[c] for c in cats])[0]
    main = rng.choice(by_cat[main_cat])
    qty = 1
    if main_cat == "ac":
        qty = rng.choices([1, 2, 3], weights=[55, 35, 10])[0]
    elif main_cat in ("accessory", "small_appliance") and main["price"] < 200:
        qty = rng.choices([1, 2], weights=[75, 25])[0]
    lines = [(main, qty)]
    n_addons = 0
    r = rng.random()
    if r < 0.08:
        n_addons = 2
    elif r < 0.33:
        n_addons = 1
    for _ in range(n_addons):
        cat = rng.choice([c for c in ADDON_CATEGORIES if c in by_cat])
        cheap = [p for p in by_cat[cat] if p["price"] <= 1000] or by_cat[cat]
        p = rng.choice(cheap)
        if any(p["sku"] == q["sku"] for q, _ in lines):
            continue
        lines.append((p, rng.choices([1, 2], weights=[85, 15])[0] if p["price"] < 200 else 1))
    return [
        {"sku": p["sku"], "name": bi(p["name"]["en"], p["name"]["ar"]), "qty": q,
         "unit_price": money(Decimal(str(p["price"]))), "_large": bool(p["large_appliance"]),
         "_category": p["category"]}
        for p, q in lines
    ]


def price_order(rng: random.Random, items: list[dict], status: str) -> dict:
    subtotal = sum(Decimal(str(it["unit_price"])) * it["qty"] for it in items)
    large = any(it["_large"] for it in items)
    if large:
        delivery = Decimal("0") if subtotal >= LARGE_FREE_FROM else LARGE_FEE
    else:
        delivery = Decimal("0") if subtotal >= STANDARD_FREE_FROM else STANDARD_FEE
    methods = [m for m, _ in PAYMENT_WEIGHTS]
    weights = [w for _, w in PAYMENT_WEIGHTS]
    while True:
        method = rng.choices(methods, weights=weights)[0]
        cod = COD_FEE if method == "cod" else Decimal("0")
        total = subtotal + delivery + cod
        if method == "cod" and total > COD_MAX_TOTAL:
            continue
        if method in ("tabby", "tamara") and subtotal < 200:
            continue  # BNPL is not offered on very small baskets in this demo
        break
    total_f = money(total)
    return {
        "subtotal": money(subtotal), "delivery_fee": money(delivery), "cod_fee": money(cod),
        "total": total_f, "vat_included": round(total_f * 15 / 115, 2),
        "currency": "SAR", "payment_method": method, "_large": large,
    }


def make_tracking_number(rng: random.Random, carrier: str, used: set) -> str:
    while True:
        if carrier == "SMSA":
            num = "SMSA" + "".join(str(rng.randint(0, 9)) for _ in range(10))
        elif carrier == "Aramex":
            num = "ARX" + "".join(str(rng.randint(0, 9)) for _ in range(10))
        elif carrier == "SPL":
            # UPU S10 format with a valid check digit, e.g. CP123456785SA
            digits = [rng.randint(0, 9) for _ in range(8)]
            s = sum(d * w for d, w in zip(digits, [8, 6, 4, 2, 3, 5, 9, 7]))
            check = 11 - s % 11
            check = 0 if check == 10 else 5 if check == 11 else check
            num = "CP" + "".join(map(str, digits)) + str(check) + "SA"
        else:  # Rawaf Fleet
            num = "RWF" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if num not in used:
            used.add(num)
            return num


def refund_phrase(method: str, amount: float) -> tuple[str, str]:
    a = f"{amount:.2f}"
    if method == "mada":
        return (f"Refund of {a} SAR issued to the mada card; it can take 3–7 business days to appear",
                f"تم إصدار استرداد بمبلغ {a} ريال إلى بطاقة مدى، وقد يستغرق ظهوره من 3 إلى 7 أيام عمل")
    if method in ("visa", "mastercard"):
        label = PAYMENT_LABEL[method]
        return (f"Refund of {a} SAR issued to the {label[0]}; it can take 5–14 business days to appear",
                f"تم إصدار استرداد بمبلغ {a} ريال إلى {label[1]}، وقد يستغرق ظهوره من 5 إلى 14 يوم عمل")
    if method == "apple_pay":
        return (f"Refund of {a} SAR issued via Apple Pay to the linked card; timing follows the card (mada 3–7, credit card 5–14 business days)",
                f"تم إصدار استرداد بمبلغ {a} ريال عبر Apple Pay إلى البطاقة المرتبطة، والمدة حسب نوع البطاقة (مدى 3–7، البطاقة الائتمانية 5–14 يوم عمل)")
    if method == "stc_pay":
        return (f"Refund of {a} SAR issued to the STC Pay wallet; it can take 1–3 days to appear",
                f"تم إصدار استرداد بمبلغ {a} ريال إلى محفظة STC Pay، وقد يستغرق ظهوره من 1 إلى 3 أيام")
    if method in ("tabby", "tamara"):
        label = PAYMENT_LABEL[method]
        return (f"Refund of {a} SAR sent to {label[0]}; remaining instalments cancelled and paid instalments refunded by {label[0]}",
                f"تم إرسال استرداد بمبلغ {a} ريال إلى {label[1]}؛ تُلغى الأقساط المتبقية وتُعاد الأقساط المدفوعة من قِبل {label[1]}")
    return (f"Refund of {a} SAR sent by bank transfer to the customer's Saudi IBAN; it can take 3–5 business days",
            f"تم تحويل استرداد بمبلغ {a} ريال إلى حساب العميل البنكي (آيبان سعودي)، وقد يستغرق من 3 إلى 5 أيام عمل")


RETURN_REASONS = [
    # (kind, en, ar, weight)
    ("defective", "item defective", "المنتج به عيب مصنعي", 35),
    ("defective", "item arrived damaged", "وصل المنتج تالفاً", 15),
    ("wrong", "wrong model/colour delivered", "تم توصيل موديل أو لون مختلف", 10),
    ("change", "changed mind — unopened, in original packaging", "غيّر العميل رأيه — المنتج غير مفتوح وبتغليفه الأصلي", 30),
    ("change", "not as described — unused, in original packaging", "المنتج غير مطابق للوصف — غير مستخدم وبتغليفه الأصلي", 10),
]

FAIL_REASONS = [
    ("Delivery attempt failed: customer not reachable by phone; rescheduled for the next working day",
     "تعذّر التسليم: لم يتم الرد على الهاتف، وتمت إعادة جدولة التوصيل في يوم العمل التالي"),
    ("Delivery attempt failed: customer asked to reschedule",
     "تعذّر التسليم: طلب العميل تأجيل موعد التوصيل"),
    ("Delivery attempt failed: address could not be located; courier will call before the next attempt",
     "تعذّر التسليم: لم يتمكن المندوب من الوصول إلى العنوان، وسيتصل قبل المحاولة التالية"),
    ("Delivery attempt failed: nobody available to receive the shipment",
     "تعذّر التسليم: لا يوجد أحد لاستلام الشحنة"),
]

CANCEL_REASONS = {
    "customer": ("Order cancelled at the customer's request before shipping", "أُلغي الطلب بناءً على طلب العميل قبل الشحن"),
    "stock": ("Order cancelled: item went out of stock before shipping; customer informed", "أُلغي الطلب لنفاد المنتج من المخزون قبل الشحن وتم إبلاغ العميل"),
    "bnpl": ("Order cancelled automatically: instalment plan was not approved by {p}", "أُلغي الطلب تلقائياً لعدم موافقة {p_ar} على خطة التقسيط"),
    "cod": ("Order cancelled: cash-on-delivery order could not be confirmed with the customer", "أُلغي الطلب لتعذّر تأكيد طلب الدفع عند الاستلام مع العميل"),
}


class Timeline:
    """Builds the full (possibly future) life-cycle of an order, then the caller keeps a prefix."""

    def __init__(self, rng, order, city, wh_key, carrier, district):
        self.rng, self.order, self.city, self.wh_key = rng, order, city, wh_key
        self.carrier, self.district = carrier, district

    # locations -----------------------------------------------------------
    def loc_online(self):
        return bi("Rawaf online store", "متجر رواف الإلكتروني")

    def loc_warehouse(self):
        w = WAREHOUSES[self.wh_key]
        return bi(f"Rawaf warehouse, {w['en']}", f"مستودع رواف، {w['ar']}")

    def loc_hub(self, city_en, city_ar):
        if self.carrier == "Rawaf Fleet":
            return bi(f"Rawaf Fleet depot, {city_en}", f"مستودع أسطول رواف، {city_ar}")
        return bi(f"{self.carrier} {city_en} hub", f"مركز {CARRIER_AR[self.carrier]} في {city_ar}")

    def loc_customer(self):
        return bi(f"{self.district['en']}, {self.city['en']}", f"{self.district['ar']}، {self.city['ar']}")


def build_events(rng: random.Random, ctx: dict, status: str, created: dt.datetime):
    """Return (events, expected_delivery, meta) for an order created at `created`,
    or None when this sampled time line does not fit the requested status."""
    tl = Timeline(rng, ctx, ctx["city"], ctx["wh"], ctx["carrier"], ctx["district"])
    city = ctx["city"]
    method = ctx["payment_method"]
    tmin, tmax = ZONE_TRANSIT[city["zone"]]
    events = []
    meta = {}

    pay_en, pay_ar = PAYMENT_LABEL[method]
    if method == "cod":
        placed_en, placed_ar = "Order placed (cash on delivery)", "تم استلام الطلب (الدفع عند الاستلام)"
    elif method in ("tabby", "tamara"):
        placed_en, placed_ar = f"Order placed; paying in 4 instalments with {pay_en}", f"تم استلام الطلب؛ الدفع على 4 أقساط عبر {pay_ar}"
    else:
        placed_en, placed_ar = f"Order placed and paid by {pay_en}", f"تم استلام الطلب والدفع عبر {pay_ar}"
    events.append(ev(created, "placed", tl.loc_online(), placed_en, placed_ar))

    # --- processing ---
    proc = plus_minutes(rng, created, 10, 180)
    proc = in_working_hours(rng, proc, 8, 23)
    processing_ev = ev(proc, "processing", tl.loc_warehouse(),
                       "Order confirmed and being prepared at the warehouse",
                       "تم تأكيد الطلب وجاري تجهيزه في المستودع")

    # --- shipping ---
    ship = plus_minutes(rng, proc, 180, 26 * 60)
    ship = in_working_hours(rng, ship, 9, 20)
    # estimate used before shipping: one business day to prepare + max transit
    est_expected = add_business_days(add_business_days(created.date(), 1), tmax)

    if status == "pending":
        if proc <= NOW:  # would already be processing
            return None
        return events, est_expected, meta

    if status in ("processing", "cancelled"):
        if status == "processing":
            if not (proc <= NOW < ship):
                return None
            events.append(processing_ev)
            return events, est_expected, meta
        # cancelled: before shipping, optionally after processing started
        last = created
        if rng.random() < 0.55:
            events.append(processing_ev)
            last = proc
        cancel_at = plus_minutes(rng, last, 15, 20 * 60)
        if cancel_at >= ship or cancel_at > NOW:
            return None
        if method in ("tabby", "tamara"):
            kind = "bnpl" if rng.random() < 0.6 else "customer"
        elif method == "cod":
            kind = "cod" if rng.random() < 0.5 else "customer"
        else:
            kind = "stock" if rng.random() < 0.15 else "customer"
        en, ar = CANCEL_REASONS[kind]
        if kind == "bnpl":
            en = en.format(p=pay_en)
            ar = ar.format(p_ar=pay_ar)
            if events[-1]["code"] == "processing":
                return None  # BNPL rejection happens before processing
        if method != "cod" and kind != "bnpl":
            r_en, r_ar = refund_phrase(method, ctx["total"])
            en, ar = f"{en}. {r_en}", f"{ar}. {r_ar}"
        events.append(ev(cancel_at, "cancelled", tl.loc_online(), en, ar))
        meta["cancel_kind"] = kind
        return events, None, meta

    carrier = ctx["carrier"]
    carrier_ar = CARRIER_AR[carrier]
    events.append(processing_ev)
    expected = add_business_days(ship.date(), tmax)
    w = WAREHOUSES[ctx["wh"]]
    if carrier == "Rawaf Fleet":
        ship_en, ship_ar = "Loaded onto a Rawaf Fleet truck; e-invoice emailed", "تم تحميل الطلب على شاحنة أسطول رواف وإرسال الفاتورة الإلكترونية بالبريد"
    else:
        ship_en, ship_ar = f"Shipment handed over to {carrier}; e-invoice emailed", f"تم تسليم الشحنة إلى {carrier_ar} وإرسال الفاتورة الإلكترونية بالبريد"
    shipped_ev = ev(ship, "shipped", tl.loc_hub(w["en"], w["ar"]) if carrier != "Rawaf Fleet" else tl.loc_warehouse(),
                    ship_en, ship_ar)

    # actual transit time
    late = rng.random() < ctx["late_prob"]
    days = tmax + rng.randint(1, 3) if late else rng.randint(tmin, tmax)
    deliver_day = add_business_days(ship.date(), days)
    failed = rng.random() < ctx["fail_prob"]
    ofd1 = at(deliver_day, 8) + dt.timedelta(minutes=rng.randint(0, 150))

    # in transit (arrival at destination hub) when shipped from another city, else sorting scan
    transit_ev = None
    if city["wh"] != city["key"] or rng.random() < 0.5:
        t_in = plus_minutes(rng, ship, 6 * 60, 20 * 60)
        t_in = min(t_in, ofd1 - dt.timedelta(minutes=rng.randint(60, 180)))
        if t_in > ship:
            if city["key"] == ctx["wh"]:
                en, ar = "Sorted at the local hub", "تم فرز الشحنة في المركز المحلي"
            else:
                en, ar = f"Arrived at the {city['en']} hub", f"وصلت الشحنة إلى مركز {city['ar']}"
            transit_ev = ev(t_in, "in_transit", tl.loc_hub(city["en"], city["ar"]), en, ar)

    ofd_desc = ("Out for delivery with the Rawaf Fleet team; they will call before arriving",
                "الطلب مع فريق أسطول رواف في الطريق إليك وسيتم الاتصال قبل الوصول") if carrier == "Rawaf Fleet" else \
               (f"Out for delivery with the {carrier} courier", f"الشحنة مع مندوب {carrier_ar} في الطريق إليك")
    post_ship = []
    if transit_ev:
        post_ship.append(transit_ev)
    if failed:
        post_ship.append(ev(ofd1, "out_for_delivery", tl.loc_customer(), *ofd_desc))
        fail_at = plus_minutes(rng, ofd1, 60, 6 * 60)
        post_ship.append(ev(fail_at, "delivery_failed", tl.loc_customer(), *rng.choice(FAIL_REASONS)))
        deliver_day = next_business_day(deliver_day)
        meta["failed_at"] = fail_at
    ofd = at(deliver_day, 8) + dt.timedelta(minutes=rng.randint(0, 150))
    post_ship.append(ev(ofd, "out_for_delivery", tl.loc_customer(), *ofd_desc))
    delivered_at = plus_minutes(rng, ofd, 40, 8 * 60)
    if carrier == "Rawaf Fleet":
        del_en, del_ar = "Delivered by Rawaf Fleet and signed for by the customer", "تم التسليم بواسطة أسطول رواف ووقّع العميل بالاستلام"
    else:
        del_en, del_ar = "Delivered to the customer", "تم تسليم الشحنة للعميل"
    delivered_ev = ev(delivered_at, "delivered", tl.loc_customer(), del_en, del_ar)

    if status == "shipped":
        if not (ship <= NOW < ofd1):
            return None
        events.append(shipped_ev)
        if transit_ev and dt.datetime.fromisoformat(transit_ev["at"]) <= NOW:
            events.append(transit_ev)
        return events, expected, meta

    if status == "out_for_delivery":
        # final out-for-delivery scan this morning, not yet delivered
        if not (ofd.date() == NOW.date() and ofd <= NOW):
            return None
        events.append(shipped_ev)
        events.extend(post_ship)
        return events, expected, meta

    if delivered_at > NOW:
        return None
    events.append(shipped_ev)
    events.extend(post_ship)
    events.append(delivered_ev)
    meta["delivered_at"] = delivered_at
    meta["late"] = delivered_at.date() > expected
    if status == "delivered":
        return events, expected, meta

    # --- returns (returned / refunded) ---
    in_ear = any(it["sku"] in IN_EAR_SKUS for it in ctx["items"])
    reasons = [r for r in RETURN_REASONS if not (in_ear and r[0] == "change")]
    kind, r_en, r_ar, _ = rng.choices(reasons, weights=[r[3] for r in reasons])[0]
    max_days = 28 if kind == "defective" else 14  # within 30 / 15 days of delivery
    req = delivered_at + dt.timedelta(days=rng.randint(0, max_days), minutes=rng.randint(60, 600))
    req = in_working_hours(rng, req, 9, 22)
    if (req.date() - delivered_at.date()).days > max_days + 1:
        return None
    pick = at(add_business_days(req.date(), rng.randint(1, 3)), 9) + dt.timedelta(minutes=rng.randint(0, 540))
    back = plus_minutes(rng, pick, 12 * 60, 3 * 24 * 60)
    back = in_working_hours(rng, back, 8, 20)
    events.append(ev(req, "return_requested", tl.loc_online(),
                     f"Return requested: {r_en}; free pickup arranged",
                     f"تم تقديم طلب إرجاع: {r_ar}؛ تم ترتيب استلام مجاني"))
    pick_by = "Rawaf Fleet" if carrier == "Rawaf Fleet" else carrier
    events.append(ev(pick, "return_picked_up", tl.loc_customer(),
                     f"Return picked up from the customer by {pick_by}",
                     f"تم استلام المرتجع من العميل بواسطة {CARRIER_AR[pick_by]}"))
    meta["return_kind"] = kind
    meta["return_reason"] = r_en
    if status == "returned":
        # refund not issued yet: returned item arrived within the last 3 days and is being inspected
        if not (NOW - dt.timedelta(days=3) <= back <= NOW):
            return None
        events.append(ev(back, "returned", tl.loc_warehouse(),
                         "Return received at the warehouse; inspection in progress, refund is issued within 3 business days after it passes",
                         "وصل المرتجع إلى المستودع وجاري فحصه؛ يُصدر الاسترداد خلال 3 أيام عمل بعد اجتياز الفحص"))
        return events, expected, meta
    events.append(ev(back, "returned", tl.loc_warehouse(),
                     "Return received at the warehouse and passed inspection",
                     "وصل المرتجع إلى المستودع واجتاز الفحص"))
    refund_at = at(add_business_days(back.date(), rng.randint(1, 3)), 10) + dt.timedelta(minutes=rng.randint(0, 420))
    if refund_at > NOW:
        return None
    events.append(ev(refund_at, "refunded", tl.loc_online(), *refund_phrase(method, ctx["total"])))
    meta["refunded_at"] = refund_at
    return events, expected, meta


CREATED_WINDOWS = {
    "pending": (NOW - dt.timedelta(hours=40), NOW - dt.timedelta(minutes=5)),
    "processing": (NOW - dt.timedelta(days=3), NOW - dt.timedelta(minutes=30)),
    "shipped": (NOW - dt.timedelta(days=6), NOW - dt.timedelta(days=1)),
    "out_for_delivery": (NOW - dt.timedelta(days=6), NOW - dt.timedelta(days=1)),
    "delivered": (HISTORY_START, NOW - dt.timedelta(days=3)),
    "cancelled": (HISTORY_START, NOW - dt.timedelta(hours=2)),
    "returned": (dt.datetime(2026, 10, 10, tzinfo=KSA), NOW - dt.timedelta(days=6)),
    "refunded": (HISTORY_START, NOW - dt.timedelta(days=10)),
}


def make_order(rng, products, customer, status, used_tracking, force_fail=False):
    items = choose_items(rng, products)
    pricing = price_order(rng, items, status)
    addr = customer["_home"]
    if customer["_other"] and rng.random() < 0.3:
        addr = customer["_other"]
    city = CITY_BY_KEY[addr["_city_key"]]
    if pricing["_large"]:
        carrier = "Rawaf Fleet"
    else:
        carrier = rng.choices([c for c, _ in PARCEL_CARRIERS], weights=[w for _, w in PARCEL_CARRIERS])[0]
    ctx = {
        "items": items, "city": city, "city_key": city["key"], "wh": city["wh"], "carrier": carrier,
        "district": addr["district"], "payment_method": pricing["payment_method"], "total": pricing["total"],
        "late_prob": {"delivered": 0.10, "shipped": 0.15}.get(status, 0.05),
        "fail_prob": 1.0 if force_fail else {"delivered": 0.06, "out_for_delivery": 0.2}.get(status, 0.03),
    }
    lo, hi = CREATED_WINDOWS[status]
    for _ in range(20000):
        created = random_order_time(rng, lo, hi)
        result = build_events(rng, ctx, status, created)
        if result is not None:
            break
    else:  # pragma: no cover - would mean the windows above are inconsistent
        raise RuntimeError(f"could not build a {status} order for {customer['id']}")
    events, expected, meta = result
    shipped = any(e["code"] == "shipped" for e in events)
    order = {
        "id": None,
        "customer_id": customer["id"],
        "status": status,
        "created_at": iso(created),
        "items": [{k: v for k, v in it.items() if not k.startswith("_")} for it in items],
        "subtotal": pricing["subtotal"],
        "delivery_fee": pricing["delivery_fee"],
        "cod_fee": pricing["cod_fee"],
        "total": pricing["total"],
        "vat_included": pricing["vat_included"],
        "currency": "SAR",
        "payment_method": pricing["payment_method"],
        "shipping_address": {k: v for k, v in addr.items() if not k.startswith("_")},
        "carrier": carrier if shipped else None,
        "tracking_number": make_tracking_number(rng, carrier, used_tracking) if shipped else None,
        "expected_delivery": expected.isoformat() if expected else None,
        "tracking_events": events,
    }
    return order, meta, created


def plan_statuses(rng, customers):
    """Return a list of (customer, status, force_fail) in a deterministic order."""
    pool = []
    remaining = dict(STATUS_COUNTS)
    for statuses in FIXED_STATUSES.values():
        for s in statuses:
            remaining[s] -= 1
    for s, n in remaining.items():
        pool.extend([s] * n)
    rng.shuffle(pool)

    others = [c for c in customers if c["id"] not in FIXED_STATUSES]
    counts = {c["id"]: 1 for c in others}
    extra = len(pool) - len(others)
    tier_w = {"standard": 1.0, "silver": 2.0, "gold": 3.5, "vip": 5.0}
    weights = [tier_w[c["tier"]] for c in others]
    while extra > 0:
        c = rng.choices(others, weights=weights)[0]
        if counts[c["id"]] >= 10:
            continue
        counts[c["id"]] += 1
        extra -= 1

    plan = []
    by_id = {c["id"]: c for c in customers}
    for cid, statuses in FIXED_STATUSES.items():
        seen_delivered = False
        for s in statuses:
            force_fail = False
            if s == "delivered" and not seen_delivered:
                force_fail = True  # one redelivered-after-failure order for each fixture customer
                seen_delivered = True
            plan.append((by_id[cid], s, force_fail))
    for c in others:
        for _ in range(counts[c["id"]]):
            plan.append((c, pool.pop(), False))
    assert not pool
    return plan


# ---------------------------------------------------------------------------
# Customer notes written by human agents
# ---------------------------------------------------------------------------

# (en, ar_male, ar_female)
GENERAL_NOTES = [
    ("Prefers WhatsApp contact", "يفضّل التواصل عبر واتساب", "تفضّل التواصل عبر واتساب"),
    ("Prefers calls after 5 pm", "يفضّل الاتصال بعد الساعة 5 مساءً", "تفضّل الاتصال بعد الساعة 5 مساءً"),
    ("Asks couriers to call before arriving — building has a security gate",
     "يطلب الاتصال قبل وصول المندوب لأن المبنى عليه بوابة أمن", "تطلب الاتصال قبل وصول المندوب لأن المبنى عليه بوابة أمن"),
    ("Business customer: asked for VAT invoices with company name and VAT number before shipping",
     "عميل أعمال: طلب فواتير ضريبية باسم الشركة والرقم الضريبي قبل الشحن",
     "عميلة أعمال: طلبت فواتير ضريبية باسم الشركة والرقم الضريبي قبل الشحن"),
    ("Asked about Rawaf Care extended warranty (1 or 2 extra years)",
     "استفسر عن ضمان رواف كير الممتد (سنة أو سنتان إضافيتان)", "استفسرت عن ضمان رواف كير الممتد (سنة أو سنتان إضافيتان)"),
    ("Asked how Tabby/Tamara instalments work; explained 4 interest-free payments subject to approval",
     "استفسر عن التقسيط عبر تابي وتمارا؛ تم توضيح 4 دفعات بدون فوائد بعد موافقتهم",
     "استفسرت عن التقسيط عبر تابي وتمارا؛ تم توضيح 4 دفعات بدون فوائد بعد موافقتهم"),
    ("Updated mobile number after OTP sign-in issue", "تم تحديث رقم الجوال بعد مشكلة في رمز التحقق", "تم تحديث رقم الجوال بعد مشكلة في رمز التحقق"),
    ("Prefers deliveries in the evening", "يفضّل التوصيل في الفترة المسائية", "تفضّل التوصيل في الفترة المسائية"),
    ("Asked for a copy of personal data under PDPL; request sent to the privacy team",
     "طلب نسخة من بياناته الشخصية وفق نظام حماية البيانات الشخصية؛ تم تحويل الطلب لفريق الخصوصية",
     "طلبت نسخة من بياناتها الشخصية وفق نظام حماية البيانات الشخصية؛ تم تحويل الطلب لفريق الخصوصية"),
    ("Complained about long wait on the hotline; apologised and followed up by chat",
     "اشتكى من طول الانتظار على خط الدعم؛ تم الاعتذار والمتابعة عبر المحادثة",
     "اشتكت من طول الانتظار على خط الدعم؛ تم الاعتذار والمتابعة عبر المحادثة"),
]

VIP_NOTE = ("VIP customer — offer a priority callback from a senior agent",
            "عميل VIP — يُعرض عليه اتصال أولوية من موظف أول", "عميلة VIP — يُعرض عليها اتصال أولوية من موظف أول")
ENGLISH_NOTE = ("Prefers to be served in English", "يفضّل التحدث باللغة الإنجليزية", "تفضّل التحدث باللغة الإنجليزية")


def order_notes(orders_meta):
    """Notes tied to concrete orders of one customer: list of (date, en, ar_m, ar_f)."""
    out = []
    for order, meta in orders_meta:
        oid = order["id"]
        if meta.get("late") and order["status"] == "delivered":
            d = meta["delivered_at"].date()
            month = d.strftime("%b %Y")
            out.append((d, f"Had a late delivery on {oid} in {month} (promised {order['expected_delivery']}); apologised and gave a 50 SAR voucher",
                        f"تأخر توصيل الطلب {oid} في {month} (الموعد المتوقع {order['expected_delivery']})؛ تم الاعتذار ومنحه قسيمة بقيمة 50 ريال",
                        f"تأخر توصيل الطلب {oid} في {month} (الموعد المتوقع {order['expected_delivery']})؛ تم الاعتذار ومنحها قسيمة بقيمة 50 ريال"))
        if "failed_at" in meta and order["status"] in ("delivered", "returned", "refunded"):
            d = meta["failed_at"].date()
            out.append((d, f"Courier could not deliver {oid}; confirmed a new delivery slot with the customer",
                        f"تعذّر على المندوب تسليم الطلب {oid}؛ تم تأكيد موعد توصيل جديد مع العميل",
                        f"تعذّر على المندوب تسليم الطلب {oid}؛ تم تأكيد موعد توصيل جديد مع العميلة"))
        if "refunded_at" in meta:
            d = min(meta["refunded_at"].date() + dt.timedelta(days=2), NOW.date())
            label = PAYMENT_LABEL[order["payment_method"]]
            out.append((d, f"Asked about the refund for {oid} ({label[0]}); explained the refund timeline",
                        f"استفسر عن استرداد مبلغ الطلب {oid} ({label[1]})؛ تم توضيح مدة ظهور المبلغ",
                        f"استفسرت عن استرداد مبلغ الطلب {oid} ({label[1]})؛ تم توضيح مدة ظهور المبلغ"))
        if meta.get("return_kind") == "defective" and order["status"] == "returned":
            d = min(dt.datetime.fromisoformat(order["tracking_events"][-3]["at"]).date(), NOW.date())
            out.append((d, f"Reported a problem with {oid} ({meta['return_reason']}); return approved with free pickup",
                        f"أبلغ عن مشكلة في الطلب {oid}؛ تمت الموافقة على الإرجاع مع استلام مجاني",
                        f"أبلغت عن مشكلة في الطلب {oid}؛ تمت الموافقة على الإرجاع مع استلام مجاني"))
        if order["status"] == "delivered":
            cats = {it["sku"].split("-")[0] for it in order["items"]}
            d = meta["delivered_at"].date() + dt.timedelta(days=1)
            if "AC" in cats and d <= NOW.date():
                out.append((d, f"Booked split AC installation for {oid} (199 SAR per unit)",
                            f"تم حجز تركيب المكيف السبليت للطلب {oid} (199 ريال للوحدة)",
                            f"تم حجز تركيب المكيف السبليت للطلب {oid} (199 ريال للوحدة)"))
            if "TV" in cats and d <= NOW.date():
                out.append((d, f"Asked about TV wall mounting for {oid} (149 SAR)",
                            f"استفسر عن تركيب التلفزيون على الجدار للطلب {oid} (149 ريال)",
                            f"استفسرت عن تركيب التلفزيون على الجدار للطلب {oid} (149 ريال)"))
    return out


def add_notes(rng, customers, orders, metas):
    by_customer: dict[str, list] = {}
    for order, meta in zip(orders, metas):
        by_customer.setdefault(order["customer_id"], []).append((order, meta))
    for c in customers:
        candidates = order_notes(by_customer.get(c["id"], []))
        rng.shuffle(candidates)
        start = c["created_at"]
        general = list(GENERAL_NOTES)
        if c["tier"] == "vip":
            general.append(VIP_NOTE)
        if c["language"] == "en":
            general.append(ENGLISH_NOTE)
        if c["id"] in FIXED_STATUSES:
            k = 3
        else:
            k = rng.choices([0, 1, 2, 3], weights=[28, 36, 24, 12])[0]
        if c["id"] in FIXED_STATUSES:
            chosen = candidates[:2]  # fixtures always carry order-related history
        else:
            chosen = candidates[: min(len(candidates), rng.randint(0, k))]
        if c["tier"] == "vip" and k > 0 and rng.random() < 0.7:
            # most VIP customers carry the VIP handling note
            if len(chosen) == k:
                chosen.pop()
            general.remove(VIP_NOTE)
            picked_general = [VIP_NOTE] + rng.sample(general, k - len(chosen) - 1)
        else:
            picked_general = rng.sample(general, k - len(chosen))
        for en, ar_m, ar_f in picked_general:
            d = start + dt.timedelta(days=rng.randint(0, (NOW.date() - start).days))
            chosen.append((d, en, ar_m, ar_f))
        notes = []
        for d, en, ar_m, ar_f in sorted(chosen, key=lambda n: (n[0], n[1])):
            # agents write in the customer's language most of the time
            if c["language"] == "ar" and rng.random() < 0.75:
                text = ar_m if c["gender"] == "m" else ar_f
            else:
                text = en
            notes.append(FlowMap(date=d.isoformat(), text=text))
        c["notes"] = notes


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main() -> None:
    rng = random.Random(SEED)
    with PRODUCTS_FILE.open(encoding="utf-8") as fh:
        products = yaml.safe_load(fh)

    customers = make_customers(rng)
    plan = plan_statuses(rng, customers)

    used_tracking: set = set()
    built = []
    for seq, (customer, status, force_fail) in enumerate(plan):
        order, meta, created = make_order(rng, products, customer, status, used_tracking, force_fail)
        built.append((created, seq, order, meta))

    # order numbers are allocated in the order the orders were placed
    built.sort(key=lambda b: (b[0], b[1]))
    orders, metas = [], []
    for n, (_, _, order, meta) in enumerate(built):
        order["id"] = f"RW-{FIRST_ORDER_NUMBER + n}"
        orders.append(order)
        metas.append(meta)

    add_notes(rng, customers, orders, metas)

    out_customers = []
    for c in customers:
        out_customers.append({
            "id": c["id"],
            "name": FlowMap(c["name"]),
            "email": c["email"],
            "phone": c["phone"],
            "language": c["language"],
            "tier": c["tier"],
            "city": FlowMap(c["city"]),
            "created_at": c["created_at"].isoformat(),
            "notes": c["notes"],
        })

    header = (
        "# Rawaf demo customers (fictional). Generated by scripts/generate_demo_crm.py — do not edit by hand.\n"
        "# Orders for these customers are in orders.json.\n"
    )
    with CUSTOMERS_FILE.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(header)
        yaml.safe_dump(out_customers, fh, allow_unicode=True, sort_keys=False, width=1000,
                       default_flow_style=False)
    with ORDERS_FILE.open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(orders, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    print(f"wrote {len(out_customers)} customers to {CUSTOMERS_FILE.relative_to(ROOT)}")
    print(f"wrote {len(orders)} orders to {ORDERS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
