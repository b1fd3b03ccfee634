"""Build the demo brand's retrieval sets (StackFAQ shape) from the FAQ and held-out queries.

    python bench/build_demo_set.py      # writes bench/data/demo_faq*.json

- demo_faq.json: the FAQ in both languages (with paraphrases); Arabic and English queries.
- demo_faq_en_corpus_ar_queries.json: English-only FAQ, Arabic queries (cross-lingual).
- demo_faq_ar_corpus_en_queries.json: Arabic-only FAQ, English queries (cross-lingual).
The queries (bench/data/demo_queries.yaml) were written by hand and are not in the FAQ.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
FAQ = ROOT / "knowledge" / "demo_kb" / "faq.yaml"
QUERIES = ROOT / "bench" / "data" / "demo_queries.yaml"


def corpus(entries: list[dict], langs: tuple[str, ...]) -> list[dict]:
    return [
        {"faq_id": e["id"], "lang": lang, "question": e["question"][lang],
         "answers": [e["answer"][lang]], "paraphrases": e.get("paraphrases", {}).get(lang, [])}
        for e in entries
        for lang in langs
    ]


def main() -> None:
    entries = yaml.safe_load(FAQ.read_text("utf-8"))
    queries = yaml.safe_load(QUERIES.read_text("utf-8"))
    sets = {
        "demo_faq.json": (("en", "ar"), ("en", "ar")),
        "demo_faq_en_corpus_ar_queries.json": (("en",), ("ar",)),
        "demo_faq_ar_corpus_en_queries.json": (("ar",), ("en",)),
    }
    for name, (corpus_langs, query_langs) in sets.items():
        data = {
            "corpus": corpus(entries, corpus_langs),
            "queries": [{"query": q["query"], "faq_id": q["faq_id"], "lang": q["lang"]}
                        for q in queries if q["lang"] in query_langs],
        }
        out = ROOT / "bench" / "data" / name
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
        print(f"{out.relative_to(ROOT)}: {len(data['corpus'])} entries, "
              f"{len(data['queries'])} queries")


if __name__ == "__main__":
    main()
