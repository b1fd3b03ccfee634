"""Dialect words map to one MSA form; words that mean something else elsewhere are kept."""

from agent.dialect import to_msa
from knowledge.normalize import normalize


def msa(text: str) -> str:
    return to_msa(normalize(text))


def test_gulf_and_levantine_wanting_and_asking_read_as_msa():
    assert msa("ابي اعرف وش صار على كرتي") == msa("بدي اعرف شو صار على كرتي")
    assert msa("ابغى الغي الطلب").startswith("اريد")
    assert msa("ليش للحين ما وصلت البطاقة") == "لماذا حتى الان ما وصلت البطاقه"
    assert msa("وش السالفة") == "ماذا السالفه"


def test_a_leading_waw_is_kept_and_ambiguous_words_are_left_alone():
    assert msa("ووين الطلب") == "واين الطلب"
    assert msa("هلا والله") == "هلا والله"  # Gulf hello, not "now"
    assert msa("ايه تمام") == "ايه تمام"  # Gulf yes, not Egyptian "what"
    assert msa("where is my card") == "where is my card"
