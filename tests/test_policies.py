"""Policy files: validation with file/line/field errors, composable conditions, demo rules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from policies.conditions import Condition, Facts
from policies.engine import Policies, PolicyError

POLICIES = Path(__file__).parents[1] / "policies"
CX = str(Path(sys.executable).with_name("cx"))
conditions = TypeAdapter(Condition)


@pytest.fixture
def policy_dir(tmp_path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def check(folder: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CX_")} | {"COLUMNS": "250"}
    return subprocess.run([CX, "policy", "check", str(folder)], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cx_policy_check_passes_on_the_shipped_policies():
    out = check(POLICIES)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "escalation.yaml" in out.stdout and "✗" not in out.stdout


def test_an_invalid_policy_names_file_line_and_field(policy_dir):
    path = policy_dir / "escalation.yaml"
    lines = path.read_text("utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if "at_least: angry" in line)
    lines[n] = lines[n].replace("angry", "furious")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    out = check(policy_dir)
    assert out.returncode == 1
    assert f"escalation.yaml, line {n + 1}, rules." in out.stdout
    assert "frustration.at_least" in out.stdout and "'angry'" in out.stdout
    with pytest.raises(PolicyError, match=f"line {n + 1}"):
        Policies.load(policy_dir)


def test_broken_yaml_and_unknown_fields_are_reported(policy_dir):
    (policy_dir / "actions.yaml").write_text("version: 1\nidentity: [unclosed\n", "utf-8")
    out = check(policy_dir)
    assert out.returncode == 1 and "actions.yaml, line" in out.stdout and "not valid YAML" in out.stdout


async def test_the_app_refuses_to_start_on_an_invalid_policy(data_dir, policy_dir):
    from agent.service import open_assistant
    from tests.conftest import make_settings

    (policy_dir / "escalation.yaml").write_text(
        'version: "x"\nrules:\n  - id: r1\n    description: broken rule\n    when: {frustation: {at_least: angry}}\n',
        "utf-8")
    with pytest.raises(PolicyError, match="line 5"):
        async with open_assistant(make_settings(data_dir, policies_dir=policy_dir)):
            pass


def test_conditions_compose_and_explain_themselves():
    cond = conditions.validate_python({"all": [
        {"customer_tier": {"in": ["vip"]}},
        {"any": [{"intent": {"in": ["complaint"], "min_confidence": 0.5}},
                 {"frustration": {"at_least": "frustrated", "turns": 2}}]},
        {"not": {"channel": {"in": ["whatsapp"]}}},
    ]})
    ok, reasons = cond.evaluate(Facts(customer_tier="vip", intent="complaint", intent_confidence=0.8))
    assert ok and reasons == ["customer tier vip", "intent complaint (0.80)", "not channel"]
    assert not cond.evaluate(Facts(customer_tier="vip", intent="complaint", intent_confidence=0.8,
                                   channel="whatsapp"))[0]
    assert not cond.evaluate(Facts(customer_tier="regular", intent="complaint",
                                   intent_confidence=0.8))[0]
    assert cond.evaluate(Facts(customer_tier="vip", frustration_levels=["frustrated", "angry"]))[0]
    assert not cond.evaluate(Facts(customer_tier="vip", frustration_levels=["calm", "angry"],
                                   intent="thanks", intent_confidence=1))[0]


@pytest.mark.parametrize("bad", [
    {"frustation": {"at_least": "angry"}},          # misspelt fact
    {"intent": {"in": ["x"]}, "keywords": ["y"]},   # two facts in one condition
    {"pattern": "(unclosed"},                       # not a regular expression
    {"refund_amount": {"above": "a lot"}},
    {"all": []},
])
def test_malformed_conditions_are_refused(bad):
    with pytest.raises(ValidationError):
        conditions.validate_python(bad)


@pytest.fixture(scope="module")
def policies() -> Policies:
    return Policies.load(POLICIES)


# Each demo rule, in Arabic and in English, from the facts alone.
RULE_CASES = [
    (Facts(text="الغسالة طلع منها دخان وريحة حريق"), "safety_issue"),
    (Facts(text="the charger caught fire last night"), "safety_issue"),
    (Facts(text="سأرفع شكوى في وزارة التجارة"), "legal_or_regulator_threat"),
    (Facts(text="I will call my lawyer", signals=["threat_legal"]), "legal_or_regulator_threat"),
    (Facts(text="أحد دخل على حسابي وطلب أشياء"), "fraud_or_account_takeover"),
    (Facts(text="ابي تحذفون حسابي وكل بياناتي"), "privacy_request"),
    (Facts(text="please send me a copy of my personal data"), "privacy_request"),
    (Facts(text="there is an order on my account I did not place"), "fraud_or_account_takeover"),
    (Facts(text="ابي استرجع فلوسي", refund_amount=2547.0), "refund_above_auto_approval"),
    (Facts(text="refund please", refund_amount=1600.0), "refund_above_auto_approval"),
    (Facts(text="عندي شكوى", intent="complaint", intent_confidence=0.8, customer_tier="vip"),
     "vip_complaint"),
    (Facts(text="I want to complain", intent="complaint", intent_confidence=0.8,
           customer_tier="vip"), "vip_complaint"),
    (Facts(frustration_levels=["calm", "angry"]), "angry_customer"),
    (Facts(frustration_levels=["frustrated", "frustrated"]), "angry_customer"),
    (Facts(text="ابي موظف", human_requests=2), "explicit_human_request"),
    (Facts(text="a person please", human_requests=1, frustration_levels=["annoyed"]),
     "explicit_human_request"),
    (Facts(text="human", human_requests=1, clarifications=1), "explicit_human_request"),
    (Facts(text="وش يعني", low_retrieval=2), "low_retrieval_twice"),
    (Facts(text="hmm", turns_without_progress=4), "no_progress"),
]


@pytest.mark.parametrize("facts,rule", RULE_CASES)
def test_each_demo_rule_fires_with_its_reasons(policies, facts, rule):
    decision = policies.decide_escalation(facts)
    assert decision.escalate and decision.rule_id == rule
    assert decision.fired[0].reasons and decision.policy_version == policies.escalation.version


def test_every_demo_rule_has_cases(policies):
    assert {r.id for r in policies.escalation.rules} == {rule for _, rule in RULE_CASES}


@pytest.mark.parametrize("facts", [
    Facts(text="وش وزارة الداخلية تقول عن الطرود؟"),  # a ministry, but no complaint to commerce
    Facts(text="is the courtroom drama on tv good", intent="out_of_scope", intent_confidence=0.9),
    Facts(text="do you sell the fire tv stick?"),
    Facts(text="is this smoke detector in stock"),
    Facts(text="ما طلبت شي غير الغسالة"),  # "I only ordered the washer", not fraud
    Facts(text="how do I change my password"),
    Facts(text="refund please", refund_amount=1500.0),  # at the limit: the assistant may issue it
    Facts(text="عندي شكوى", intent="complaint", intent_confidence=0.8, customer_tier="gold"),
    Facts(text="عندي شكوى", intent="complaint", intent_confidence=0.3, customer_tier="vip"),
    Facts(intent="talk_to_human", intent_confidence=0.9, text="a person please", human_requests=1),
    Facts(frustration_levels=["frustrated", "annoyed", "frustrated"]),
    Facts(frustration_levels=["annoyed", "annoyed", "annoyed"]),
    Facts(text="وش يعني", low_retrieval=1),
    Facts(text="hmm", turns_without_progress=3),
])
def test_near_misses_do_not_escalate(policies, facts):
    assert not policies.decide_escalation(facts).escalate


def test_all_fired_rules_are_recorded(policies):
    decision = policies.decide_escalation(Facts(
        text="I want a human, I'll sue you", intent="talk_to_human", intent_confidence=0.9,
        human_requests=2, frustration_levels=["angry"]))
    assert [f.rule_id for f in decision.fired] == [
        "legal_or_regulator_threat", "angry_customer", "explicit_human_request"]
    assert decision.priority == "urgent"
