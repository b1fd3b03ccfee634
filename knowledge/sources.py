"""Read knowledge files into titled sections or FAQ entries, one reader per format.

Supported: Markdown (.md), HTML help-centre pages (.html/.htm), PDF, plain text (.txt) and FAQ
tables (.csv, .json, .yaml/.yml with question/answer columns and optional paraphrases, in one
language or both). A file that cannot be read raises `BadSource` with a reason a person can act
on; the caller reports it by name and carries on with the rest.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from knowledge.normalize import detect_language
from policies.loader import parse_yaml

# pypdf logs its own complaints about broken files; we report them once, by file name.
logging.getLogger("pypdf").setLevel(logging.ERROR)

FAQ_SUFFIXES = {".csv", ".json", ".yaml", ".yml"}
DOC_SUFFIXES = {".md", ".markdown", ".html", ".htm", ".pdf", ".txt"}
_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*\n", re.S)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


class BadSource(ValueError):
    """A knowledge file that cannot be used, with the reason."""


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class Document:
    title: str
    lang: str | None
    sections: list[Section]
    slug: str | None = None
    topics: list[str] = field(default_factory=list)


@dataclass
class FaqItem:
    id: str
    lang: str
    question: str
    answer: str
    paraphrases: list[str] = field(default_factory=list)
    category: str | None = None


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadSource(
                f"not UTF-8 text (byte {exc.start}); save it as UTF-8 and ingest again"
            ) from exc
    if not text.strip():
        raise BadSource("the file is empty")
    return text


def _path_lang(path: Path) -> str | None:
    parts = {p.lower() for p in path.parts}
    for lang in ("ar", "en"):
        if lang in parts:
            return lang
    return None


# --- documents -------------------------------------------------------------------------------


def read_markdown(path: Path) -> Document:
    raw = read_text(path)
    meta: dict[str, Any] = {}
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            meta = parse_yaml(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise BadSource(f"front matter is not valid YAML: {exc}") from exc
        raw = raw[match.end():]
    headings = list(_MD_HEADING.finditer(raw))
    title = str(meta.get("title") or (headings[0].group(2) if headings else path.stem))
    # Sections are split at level-2 headings; deeper headings stay inside their section.
    bounds = [h for h in headings if len(h.group(1)) == 2]
    sections: list[Section] = []
    intro_end = bounds[0].start() if bounds else len(raw)
    intro = _strip_h1(raw[:intro_end]).strip()
    if intro:
        sections.append(Section(title, intro))
    for i, h in enumerate(bounds):
        end = bounds[i + 1].start() if i + 1 < len(bounds) else len(raw)
        body = raw[h.end():end].strip()
        if body:
            sections.append(Section(h.group(2), body))
    return _document(path, title, meta, sections)


def _strip_h1(text: str) -> str:
    return re.sub(r"^#\s+.+$", "", text, flags=re.M)


def read_html(path: Path) -> Document:
    soup = BeautifulSoup(read_text(path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "form"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    title_tag = soup.find("h1") or soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else path.stem
    sections: list[Section] = []
    heading, buffer = title, []
    for el in root.find_all(["h1", "h2", "h3", "p", "li", "td", "th", "pre", "blockquote"]):
        if el.name in {"h1", "h2", "h3"}:
            if buffer:
                sections.append(Section(heading, "\n\n".join(buffer)))
            heading, buffer = el.get_text(" ", strip=True) or heading, []
            continue
        # Nested blocks (a <p> inside an <li>) are read once, through the innermost block.
        if el.find(["p", "li"]):
            continue
        text = el.get_text(" ", strip=True)
        if text:
            buffer.append(("- " if el.name == "li" else "") + text)
    if buffer:
        sections.append(Section(heading, "\n\n".join(buffer)))
    lang = (soup.html.get("lang") or "")[:2].lower() if soup.html else ""
    meta = {"lang": lang} if lang in ("ar", "en") else {}
    return _document(path, title, meta, sections)


def read_pdf(path: Path) -> Document:
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise BadSource("the PDF is encrypted")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except BadSource:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise BadSource(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(pages):
        raise BadSource("the PDF has no extractable text (scanned images need OCR first)")
    title = (reader.metadata.title if reader.metadata and reader.metadata.title else path.stem)
    sections = [Section(f"{title} — p. {n}", text) for n, text in enumerate(pages, 1) if text]
    return _document(path, str(title), {}, sections)


def read_plain_text(path: Path) -> Document:
    text = read_text(path)
    lines = text.strip().splitlines()
    title = lines[0].strip()[:120] if lines else path.stem
    return _document(path, title, {}, [Section(title, text.strip())])


def _document(path: Path, title: str, meta: dict[str, Any], sections: list[Section]) -> Document:
    if not sections:
        raise BadSource("no text found")
    lang = meta.get("lang") or _path_lang(path) or detect_language(
        " ".join(s.text for s in sections[:3])[:2000]
    )
    topics = meta.get("topics") or []
    return Document(
        title=title,
        lang=lang,
        sections=sections,
        slug=str(meta["slug"]) if meta.get("slug") else None,
        topics=[str(t) for t in topics] if isinstance(topics, list) else [str(topics)],
    )


READERS = {
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".txt": read_plain_text,
}


# --- FAQ tables ------------------------------------------------------------------------------


def read_faq_table(path: Path) -> list[FaqItem]:
    text = read_text(path)
    try:
        if path.suffix == ".csv":
            rows: Any = list(csv.DictReader(io.StringIO(text)))
        elif path.suffix == ".json":
            rows = json.loads(text)
        else:
            rows = parse_yaml(text)
    except (json.JSONDecodeError, yaml.YAMLError, csv.Error) as exc:
        raise BadSource(f"cannot parse {path.suffix[1:].upper()}: {exc}") from exc
    if isinstance(rows, dict):
        rows = rows.get("faq") or rows.get("entries") or rows.get("corpus")
    if not isinstance(rows, list) or not rows:
        raise BadSource("expected a list of question/answer entries")
    items: list[FaqItem] = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise BadSource(f"entry {n} is not a mapping of columns")
        items.extend(_faq_row(row, n, path))
    if not items:
        raise BadSource("no entries with both a question and an answer")
    return items


def _split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split("|") if v.strip()]


def _answer_text(value: Any) -> str:
    if isinstance(value, list):  # several answers (e.g. StackFAQ): keep them in order
        return "\n\n".join(str(v).strip() for v in value if str(v).strip())
    return str(value or "").strip()


def _faq_row(row: dict[str, Any], n: int, path: Path) -> list[FaqItem]:
    """One row in any supported layout -> one FaqItem per language it carries."""
    entry_id = str(row.get("id") or row.get("faq_id") or f"{path.stem}-{n}")
    category = row.get("category")
    question, answer = row.get("question"), row.get("answer", row.get("answers"))
    paraphrases = row.get("paraphrases")
    per_lang: dict[str, tuple[Any, Any, Any]] = {}
    if isinstance(question, dict) and isinstance(answer, dict):
        for lang in ("en", "ar"):
            para = paraphrases.get(lang) if isinstance(paraphrases, dict) else None
            per_lang[lang] = (question.get(lang), answer.get(lang), para)
    elif any(f"question_{lang}" in row for lang in ("en", "ar")):
        for lang in ("en", "ar"):
            per_lang[lang] = (row.get(f"question_{lang}"), row.get(f"answer_{lang}"),
                              row.get(f"paraphrases_{lang}"))
    else:
        lang = str(row.get("lang") or row.get("language") or "").lower()[:2]
        if lang not in ("ar", "en"):
            lang = _path_lang(path) or detect_language(f"{question} {answer}") or "en"
        per_lang[lang] = (question, answer, paraphrases)
    items = []
    for lang, (q, a, p) in per_lang.items():
        q_text, a_text = str(q or "").strip(), _answer_text(a)
        if q_text and a_text:
            items.append(FaqItem(id=entry_id, lang=lang, question=q_text, answer=a_text,
                                 paraphrases=_split_list(p),
                                 category=str(category) if category else None))
    return items
