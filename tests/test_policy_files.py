"""Every policy file validated (voice, privacy, staffing, actions, escalation, replies), PII
redaction in both languages and every digit script, and live reload with the last valid
policy kept."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings as hsettings, strategies as st

from policies.engine import POLICY_FILES, Policies, PolicyError
from policies.loader import load_model
from policies.privacy import PrivacyPolicy, find_pii, redact
from policies.voice import VoicePolicy
from tests.conftest import make_settings

POLICIES = Path(__file__).parents[1] / "policies"
CX = str(Path(sys.executable).with_name("cx"))
ADMIN = "admin-token-for-policy-tests-0123"
AUTH = {"authorization": f"Bearer {ADMIN}"}
FILES = [name for name, _ in POLICY_FILES.values()] + ["replies.yaml"]


@pytest.fixture
def policy_dir(tmp_path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def edit(path: Path, old: str, new: str | None, *, whole: bool = False) -> int:
    """In the one line containing `old`, replace it by `new` (the whole line, indentation
    kept, when `whole`; None deletes the line); return the line's 1-based number."""
    lines = path.read_text("utf-8").splitlines()
    hits = [i for i, line in enumerate(lines) if old in line]
    assert len(hits) == 1, f"{old!r} is on lines {[h + 1 for h in hits]} of {path.name}"
    n = hits[0]
    if new is None:
        del lines[n]
    elif whole:
        lines[n] = lines[n][: len(lines[n]) - len(lines[n].lstrip())] + new
    else:
        lines[n] = lines[n].replace(old, new)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return n + 1


def line_of(path: Path, text: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    hits = [i for i, line in enumerate(lines) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0] + 1


def cx(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CX_", "OPENAI_"))}
    return subprocess.run([CX, *args], capture_output=True, text=True, timeout=180,
                          env=base | {"COLUMNS": "250"} | env)


# --- each model refuses a broken copy, naming file, line and field --------------------------

def problems_of(path: Path, model) -> list[str]:
    with pytest.raises(PolicyError) as err:
        load_model(path, model)
    return err.value.problems


@pytest.mark.parametrize("file,block,lang", [
    ("voice.yaml", "  summary:", "ar"),
    ("voice.yaml", "  summary:", "en"),
    ("voice.yaml", "  arabic_style:", "ar"),
    ("voice.yaml", "  ai_disclosure:", "en"),
])
def test_voice_texts_need_both_languages(policy_dir, file, block, lang):
    path = policy_dir / file
    lines = path.read_text("utf-8").splitlines()
    start = lines.index(block)
    other = "en" if lang == "ar" else "ar"
    n = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(f"{lang}:"))
    parent = next(i for i in range(start + 1, len(lines)) if lines[i].strip())
    del lines[n]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    field = block.strip().rstrip(":")
    problems = problems_of(path, VoicePolicy)
    # The missing key is reported at its mapping (the first remaining key of the block).
    assert problems == [f"{path}, line {parent + 1}, voice.{field}.{lang}: Field required"], problems
    assert other in lines[parent]


@pytest.mark.parametrize("old,new,field,message,at", [
    ('- en: "Warm and respectful', '- en: ""', "voice.principles.0.en", "at least 1 character", None),
    ('- en: "Warm and respectful', '- en: "   "', "voice.principles.0.en", "at least 1 character",
     None),
    ('"مستحيل"', '""', "voice.banned_phrases.ar.10", "at least 1 character", None),
    # A list-wide check is reported at the list.
    ('"obviously"', '"Guaranteed"', "voice.banned_phrases.en", "listed twice", '- "guaranteed"'),
    ('vat_rate: 0.15', 'vat_rate: 15', "brand.vat_rate", "less than 1", None),
    ('timezone: "Asia/Riyadh"', 'timezone: "Asia/Ryadh"', "brand.timezone", "unknown time zone",
     None),
    ('version: "2026', 'versions: "2026', "versions", "Extra inputs are not permitted", None),
])
def test_a_broken_voice_guide_names_file_line_and_field(policy_dir, old, new, field, message, at):
    path = policy_dir / "voice.yaml"
    n = edit(path, old, new, whole=old.startswith("- en:"))
    if at is not None:
        n = line_of(path, at)
    problems = problems_of(path, VoicePolicy)
    assert any(p.startswith(f"{path}, line {n}, {field}:") and message in p
               for p in problems), problems


def test_an_arabic_text_in_the_english_slot_is_refused(policy_dir):
    path = policy_dir / "voice.yaml"
    ar = yaml.safe_load(path.read_text("utf-8"))["voice"]["ai_disclosure"]["ar"]
    n = edit(path, "en: \"I'm Noura, Rawaf's virtual assistant (AI)", f'en: "{ar}"', whole=True)
    problems = problems_of(path, VoicePolicy)
    assert any(p.startswith(f"{path}, line {n}, voice.ai_disclosure.en:") and "no Latin" in p
               for p in problems), problems


@pytest.mark.parametrize("old,new,field,message", [
    ('    ar: "حفاظًا على أمانك', None, "never_ask.warning.ar", "Field required"),
    ('    en: "For your security', 'en: ""', "never_ask.warning.en", "at least 1 character"),
    # A flow mapping with "ar" twice: the English text is missing.
    ("team: {en: ", "team: {ar: ", "requests.handled_by.team.en", "Field required"),
    ("items: [card_number, cvv, otp, password]", "items: [card_number, password]",
     "never_ask.items", "must never ask for ['cvv', 'otp']"),
    ("respond_within_days: 30", "respond_within_days: 45", "requests.respond_within_days",
     "at most 30 days"),
    ("rights: [access, copy, correction, deletion]", "rights: [access, copy]", "requests.rights",
     "['deletion']"),
    ("transcripts_days: 365", "transcript_days: 365", "retention.transcript_days",
     "Extra inputs are not permitted"),
    ("audit_days: 1825", "audit_days: forever", "retention.audit_days", "valid integer"),
    ('email: "[email]"', 'email: "[email 1]"', "redaction.replace.email", "digits"),
    ("customer: [name, email, phone, city, notes]", "customer: [name, email, phone, mobile]",
     "personal_data", "no field(s) ['mobile']"),
    ("never_show: [national_id", "never_show: [passport", "display.never_show.0", "Input should be"),
    ("phone: {keep_start: 4, keep_end: 3", "phone: {keep_start: 4, keep_end: 9",
     "display.phone.keep_end", "less than or equal to 4"),
])
def test_a_broken_privacy_policy_names_file_line_and_field(policy_dir, old, new, field, message):
    path = policy_dir / "privacy.yaml"
    n = edit(path, old, new, whole=new == 'en: ""')
    if new is None:  # a deleted key is reported at its mapping: the line before
        n -= 1
    problems = problems_of(path, PrivacyPolicy)
    assert any(p.startswith(f"{path}, line {n}, {field}") and message in p for p in problems), problems


@pytest.mark.parametrize("file,old,new,field", [
    ("staffing.yaml", "timezone: Asia/Riyadh", "timezone: Riyadh", "timezone"),
    ("staffing.yaml", 'friday:    [{opens: "16:00", closes: "22:00"}]',
     'friday:    [{opens: "16:00", closes: "13:00"}]', "hours.friday.0"),
    ("actions.yaml", "max_verification_attempts: 3", "max_verification_attempts: 0",
     "identity.max_verification_attempts"),
    ("escalation.yaml", "- id: legal_or_regulator_threat", "- id: Legal-Threat", r"rules\.\d+\.id"),
])
def test_the_other_policy_files_name_file_line_and_field(policy_dir, file, old, new, field):
    path = policy_dir / file
    n = edit(path, old, new)
    with pytest.raises(PolicyError) as err:
        Policies.load(policy_dir)
    assert any(re.match(rf"{re.escape(str(path))}, line {n}, {field}:", p)
               for p in err.value.problems), err.value.problems


def test_policies_load_reports_every_file_not_just_the_first(policy_dir):
    edit(policy_dir / "staffing.yaml", "timezone: Asia/Riyadh", "timezone: Mars/Olympus")
    edit(policy_dir / "voice.yaml", 'vat_rate: 0.15', 'vat_rate: 1.5')
    (policy_dir / "privacy.yaml").unlink()
    with pytest.raises(PolicyError) as err:
        Policies.load(policy_dir)
    names = {Path(p.split(",")[0].split(":")[0]).name for p in err.value.problems}
    assert names == {"staffing.yaml", "voice.yaml", "privacy.yaml"}, err.value.problems
    assert any("privacy.yaml: file not found" in p for p in err.value.problems)


def test_the_shipped_policies_load_with_a_version_each():
    policies = Policies.load(POLICIES)
    versions = policies.versions()
    assert set(versions) == {"actions", "escalation", "staffing", "voice", "privacy", "brand"}
    assert all(versions.values())
    assert policies.voice.brand.assistant_name.ar == "نورة"
    assert policies.privacy.requests.respond_within_days <= 30


# --- cx policy check -------------------------------------------------------------------------

def test_cx_policy_check_passes_with_one_line_per_file_and_its_version():
    out = cx("policy", "check", str(POLICIES))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "✗" not in out.stdout
    for name in FILES:
        version = yaml.safe_load((POLICIES / name).read_text("utf-8"))["version"]
        lines = [line for line in out.stdout.splitlines() if f"{name} (version {version}" in line]
        assert len(lines) == 1 and lines[0].startswith("✓"), out.stdout


def test_cx_policy_check_lists_every_problem_of_every_file(policy_dir):
    ar_line = edit(policy_dir / "voice.yaml", '"مستحيل"', '""')
    deadline = edit(policy_dir / "privacy.yaml", "respond_within_days: 30", "respond_within_days: 60")
    items = edit(policy_dir / "privacy.yaml", "items: [card_number, cvv, otp, password]",
                 "items: [password]")
    out = cx("policy", "check", str(policy_dir))
    assert out.returncode == 1, out.stdout + out.stderr
    text = out.stdout
    assert f"voice.yaml, line {ar_line}, voice.banned_phrases.ar.10" in text
    assert f"privacy.yaml, line {deadline}, requests.respond_within_days" in text
    assert f"privacy.yaml, line {items}, never_ask.items" in text
    assert "3 problem(s)" in text
    # The valid files are still confirmed, one line each.
    for name in ("actions.yaml", "escalation.yaml", "staffing.yaml", "replies.yaml"):
        assert re.search(rf"✓ .*{name} \(version ", text), text
    assert "Traceback" not in out.stdout + out.stderr


def test_cx_serve_refuses_an_invalid_policy_with_the_problems_not_a_traceback(data_dir, policy_dir):
    n = edit(policy_dir / "privacy.yaml", "audit_days: 1825", "audit_days: -1")
    out = cx("serve", "--port", "1", CX_DATA_DIR=str(data_dir), CX_BRAIN="offline",
             CX_POLICIES_DIR=str(policy_dir))
    assert out.returncode == 2, out.stdout + out.stderr
    assert "not starting" in out.stdout
    assert f"privacy.yaml, line {n}, retention.audit_days" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


# --- redaction -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def privacy() -> PrivacyPolicy:
    return load_model(POLICIES / "privacy.yaml", PrivacyPolicy)


AR = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

PII = [  # (kind, how a customer writes it)
    ("email", "sarah.aldosari@example.com"),
    ("email", "Omar_99+orders@mail.example.sa"),
    ("phone", "0501234567"),
    ("phone", "050 123 4567"),
    ("phone", "050-123-4567"),
    ("phone", "+966501234567"),
    ("phone", "+966 50 123 4567"),
    ("phone", "00966501234567"),
    ("phone", "966551234567"),
    ("phone", "551234567"),
    ("card", "4111 1111 1111 1111"),
    ("card", "5105-1051-0510-5100"),
    ("card", "4111111111111111"),
    ("card", "378282246310005"),
    ("iban", "SA03 8000 0000 6080 1016 7519"),
    ("iban", "SA0380000000608010167519"),
    ("iban", "sa03 8000 0000 6080 1016 7519"),
    ("national_id", "1012345678"),
    ("national_id", "2123456789"),
]
LABEL = {"email": "[email]", "phone": "[phone]", "card": "[card]", "iban": "[iban]",
         "national_id": "[national-id]", "secret_code": "[code]"}
SENTENCES = {
    "en": "Hi, my details are {} - please check my order RW-100234 (total SAR 1,299.00).",
    "ar": "مرحبا، بياناتي {} ، شيك على طلبي RW-100234 (الإجمالي 1,299.00 ريال).",
}


@pytest.mark.parametrize("digits", ["ascii", "arabic-indic", "persian"])
@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("kind,value", PII)
def test_every_kind_of_personal_data_is_redacted(privacy, kind, value, lang, digits):
    value = value.translate({"ascii": {}, "arabic-indic": AR, "persian": FA}[digits])
    text = SENTENCES[lang].format(value)
    out = redact(text, privacy)
    assert out == SENTENCES[lang].format(LABEL[kind]), out
    assert [k for _, _, k in find_pii(text, privacy)] == [kind]


@pytest.mark.parametrize("text,expected", [
    ("my card is 4111 1111 1111 1111 and the CVV is 123",
     "my card is [card] and the CVV is [code]"),
    ("OTP: 482913", "OTP: [code]"),
    ("my PIN code is 0042", "my PIN code is [code]"),
    ("ايميلي:sara@example.comشكرا", "ايميلي:[email]شكرا"),
    ("رمز التحقق ٤٨٢٩١٣ وصلني الحين", "رمز التحقق [code] وصلني الحين"),
    ("الرمز السري هو 1234", "الرمز السري هو [code]"),
    ("جوالي0501234567 وإيميلي sara@example.com", "جوالي[phone] وإيميلي [email]"),
    ("رقم الهوية: ١٠٩٨٧٦٥٤٣٢، والآيبان SA4420000001234567891234",
     "رقم الهوية: [national-id]، والآيبان [iban]"),
    ("call me on +966 55 987 6543 or email Ali@Example.COM.", "call me on [phone] or email [email]."),
])
def test_redaction_in_running_text(privacy, text, expected):
    assert redact(text, privacy) == expected


@pytest.mark.parametrize("text", [
    "Where is my order RW-100234? I also ordered 100251 and ١٠٠٢٥١.",
    "وين طلبي RW-100316؟ المبلغ 4,599.00 ريال والتوصيل 25 ريال، مجاني فوق 299",
    "Refund of SAR 12,499.50 on 2026-11-24 at 13:00, delivery in 3-5 business days",
    "Tracking SMSA1700497459 with SMSA, or call 9200 12345 / care@rawaf.sa",
    "Verified: sa***@example.com, +966*****567",  # what the assistant may show
    "The Samsung 65 inch TV QA65Q80C costs 3,999 SAR; SKU RW-TV-0065",
    "my OTP didn't arrive for order 100234",
])
def test_order_numbers_prices_dates_and_our_contacts_are_left_alone(privacy, text):
    assert redact(text, privacy) == text


@hsettings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(["0", "+966", "00966", "966", "", "+966 "]),
    operator=st.sampled_from(["50", "53", "54", "55", "56", "58", "59"]),
    rest=st.text(alphabet="0123456789", min_size=7, max_size=7),
    script=st.sampled_from([{}, AR, FA]),
    around=st.sampled_from(["{}", "جوالي {} شكرا", "my number: {}.", "({})"]),
)
def test_any_saudi_mobile_in_any_script_is_redacted(privacy, prefix, operator, rest, script,
                                                    around):
    number = (prefix + operator + rest).translate(script)
    out = redact(around.format(number), privacy)
    assert out == around.format("[phone]")
    assert redact(out, privacy) == out  # idempotent: labels are not personal data


def test_the_policys_masks_match_what_the_tools_show(privacy):
    from tools.contact import mask_email, mask_phone

    demo = yaml.safe_load((Path(__file__).parents[1] / "tools/demo_data/customers.yaml")
                          .read_text("utf-8"))
    customers = demo["customers"] if isinstance(demo, dict) else demo
    assert customers
    for c in customers:
        assert privacy.mask_email(c["email"]) == mask_email(c["email"])
        assert privacy.mask_phone(c["phone"]) == mask_phone(c["phone"])
        assert redact(privacy.mask_email(c["email"]), privacy) == privacy.mask_email(c["email"])


# --- the LLM prompt reads the typed voice ------------------------------------------------------

def test_the_llm_prompt_uses_the_typed_voice(policy_dir):
    from agent.brains.llm import LlmBrain
    from settings import Settings

    settings = Settings(_env_file=None, brain="llm", openai_api_key="sk-test")
    brain = LlmBrain(settings, POLICIES / "voice.yaml")
    raw = yaml.safe_load((POLICIES / "voice.yaml").read_text("utf-8"))
    system = brain._system({"language": "en", "guard_flags": []}, [])
    assert system.splitlines()[:4] == [
        f"You are {raw['brand']['assistant_name']['en']}, the customer-service assistant of "
        f"{raw['brand']['full_name']['en']}, a Saudi online retailer. You are an AI and say so "
        "if asked.",
        raw["voice"]["summary"]["en"],
        "Principles: " + " ".join(p["en"] for p in raw["voice"]["principles"]),
        "Never say: " + "; ".join(raw["voice"]["banned_phrases"]["en"]
                                  + raw["voice"]["banned_phrases"]["ar"]),
    ]
    # The voice in force (after a reload) wins over the one read at start-up.
    edit(policy_dir / "voice.yaml", '- "obviously"', '- "no worries mate"')
    newer = load_model(policy_dir / "voice.yaml", VoicePolicy)
    assert "no worries mate" in brain._system({"language": "en", "guard_flags": []}, [], newer)
    edit(policy_dir / "voice.yaml", "summary:", "summery:")
    with pytest.raises(PolicyError, match="voice.summery"):
        LlmBrain(settings, policy_dir / "voice.yaml")


# --- reload over real HTTP ---------------------------------------------------------------------

@pytest.fixture
def settings(data_dir, policy_dir, monkeypatch):
    """The conftest `api` fixture serves the app with these settings: a private policy copy."""
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PORT"):
        monkeypatch.delenv(var, raising=False)
    return make_settings(data_dir, policies_dir=policy_dir, admin_token=ADMIN)


def say(api, cid: str, text: str) -> dict:
    r = api.post(f"/v1/conversations/{cid}/messages", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()


def audit_rows(settings) -> list[tuple]:
    with sqlite3.connect(settings.data_dir / "cx.db") as db:
        return db.execute("select actor, allowed, reason, details from audit_log "
                          "where action = 'policy_reload' order by id").fetchall()


def test_reload_serves_a_valid_change_and_keeps_the_last_valid_policy(api, settings, policy_dir):
    assert api.post("/v1/admin/policies/reload").status_code == 401
    first = api.post("/v1/admin/policies/reload", headers=AUTH)
    assert first.status_code == 200, first.text
    served = first.json()["versions"]
    assert set(served) == set(POLICY_FILES) | {"replies"}

    cid = api.post("/v1/conversations", json={"locale": "en"}).json()["id"]
    before = say(api, cid, "thank you")["replies"][-1]
    assert before["data"]["template"] == "thanks"

    # A valid change: new wording and new versions are served from the next turn.
    edit(policy_dir / "replies.yaml", 'version: "', 'version: "reloaded-')
    edit(policy_dir / "replies.yaml", "en: \"You're welcome! Is there anything else",
         "en: \"My pleasure (reloaded)! Is there anything else")
    edit(policy_dir / "privacy.yaml", 'version: "', 'version: "reloaded-')
    edit(policy_dir / "voice.yaml", 'version: "', 'version: "reloaded-')
    ok = api.post("/v1/admin/policies/reload", headers=AUTH)
    assert ok.status_code == 200, ok.text
    now = ok.json()["versions"]
    for name in ("replies", "privacy", "voice"):
        assert now[name] == f"reloaded-{served[name]}"
    assert now["escalation"] == served["escalation"]
    assert "My pleasure (reloaded)!" in say(api, cid, "thank you")["replies"][-1]["text"]

    # Broken in two files: 422 with every problem, the last valid policies still served.
    bad_voice = edit(policy_dir / "voice.yaml", 'ar: "نورة"', 'ar: ""')
    bad_staff = edit(policy_dir / "staffing.yaml", "max_waiting: 25", "max_waiting: lots")
    edit(policy_dir / "replies.yaml", "My pleasure (reloaded)!", "Broken but unread!")
    refused = api.post("/v1/admin/policies/reload", headers=AUTH)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "invalid policy"
    assert any(f"voice.yaml, line {bad_voice}, brand.assistant_name.ar" in p for p in body["detail"])
    assert any(f"staffing.yaml, line {bad_staff}, queue.max_waiting" in p for p in body["detail"])
    assert body["versions"] == now

    # The conversation goes on under the last valid policies.
    fresh = api.post("/v1/conversations", json={"locale": "en"}).json()["id"]
    for conversation in (cid, fresh):
        after = say(api, conversation, "thank you")["replies"][-1]
        assert "My pleasure (reloaded)!" in after["text"] and "Broken" not in after["text"]
    other = api.post("/v1/conversations", json={"locale": "ar"}).json()["id"]
    assert say(api, other, "شكرا")["replies"][-1]["lang"] == "ar"
    assert api.get("/healthz").json()["status"] == "ok"

    rows = audit_rows(settings)
    assert [(actor, bool(allowed)) for actor, allowed, _, _ in rows] == [
        ("admin", True), ("admin", True), ("admin", False)]
    assert json.loads(rows[1][3])["versions"] == now
    assert json.loads(rows[1][3])["previous"] == served
    assert any("voice.yaml" in p for p in json.loads(rows[2][3])["problems"])
