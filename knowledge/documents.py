"""Turn a knowledge folder (FAQ YAML + Markdown articles) into citable chunks.

Each chunk carries its source path, title, section anchor, language and a content hash, and a
`group` shared by the Arabic and English versions of the same passage, so an answer found in
one language can be shown in the other.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

import tiktoken
import yaml
from pydantic import BaseModel, Field

Lang = Literal["ar", "en"]
_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*$", re.M)


class Chunk(BaseModel):
    id: str
    group: str
    kind: Literal["faq", "article"]
    lang: Lang
    title: str
    source: str
    anchor: str
    text: str
    answer: str = Field("", description="For FAQ chunks: the answer alone, as shown to customers")
    topics: list[str] = Field(default_factory=list, description="FAQ category / article topics")

    @property
    def content_hash(self) -> str:
        blob = f"{self.title}\n{','.join(self.topics)}\n{self.text}"
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class BilingualText(BaseModel):
    en: str
    ar: str


class FaqEntry(BaseModel):
    id: str
    category: str
    question: BilingualText
    answer: BilingualText
    paraphrases: dict[Lang, list[str]] = Field(default_factory=dict)


def slugify(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower(), flags=re.U).strip("-")


def faq_chunks(path: Path, root: Path) -> list[Chunk]:
    entries = [FaqEntry.model_validate(e) for e in yaml.safe_load(path.read_text("utf-8"))]
    chunks = []
    for entry in entries:
        for lang in ("en", "ar"):
            question = getattr(entry.question, lang)
            answer = getattr(entry.answer, lang)
            variants = "\n".join(entry.paraphrases.get(lang, []))
            chunks.append(
                Chunk(
                    id=f"faq:{entry.id}:{lang}",
                    group=f"faq:{entry.id}",
                    kind="faq",
                    lang=lang,
                    title=question,
                    source=str(path.relative_to(root)),
                    anchor=entry.id,
                    text=f"{question}\n{variants}\n{answer}".strip(),
                    answer=answer,
                    topics=[entry.category],
                )
            )
    return chunks


def _split_by_tokens(text: str, enc: tiktoken.Encoding, max_tokens: int) -> list[str]:
    """Split a section at paragraph boundaries so each piece fits max_tokens."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for para in [p.strip() for p in text.split("\n\n") if p.strip()]:
        n = len(enc.encode(para))
        if current and size + n > max_tokens:
            parts.append("\n\n".join(current))
            current, size = [], 0
        current.append(para)
        size += n
    if current:
        parts.append("\n\n".join(current))
    return parts


def article_chunks(path: Path, root: Path, enc: tiktoken.Encoding, max_tokens: int) -> list[Chunk]:
    raw = path.read_text("utf-8")
    meta: dict = {}
    match = _FRONT_MATTER.match(raw)
    if match:
        meta = yaml.safe_load(match.group(1)) or {}
        raw = raw[match.end():]
    lang: Lang = meta.get("lang") or ("ar" if "/ar/" in path.as_posix() else "en")
    slug = meta.get("slug") or path.stem
    headings = list(_HEADING.finditer(raw))
    title = meta.get("title") or (headings[0].group(2) if headings else slug)
    # Sections are the text under each "##" heading; text before the first one is the intro.
    sections: list[tuple[str, str]] = []
    bounds = [h for h in headings if len(h.group(1)) == 2]
    intro_end = bounds[0].start() if bounds else len(raw)
    intro = _HEADING.sub("", raw[:intro_end]).strip()
    if intro:
        sections.append((title, intro))
    for i, h in enumerate(bounds):
        end = bounds[i + 1].start() if i + 1 < len(bounds) else len(raw)
        sections.append((h.group(2), raw[h.end():end].strip()))
    topics = [str(t) for t in meta.get("topics") or []]
    chunks = []
    for s_idx, (heading, body) in enumerate(sections):
        for p_idx, piece in enumerate(_split_by_tokens(body, enc, max_tokens)):
            chunks.append(
                Chunk(
                    id=f"article:{slug}:{s_idx}:{p_idx}:{lang}",
                    group=f"article:{slug}:{s_idx}:{p_idx}",
                    kind="article",
                    lang=lang,
                    title=f"{title} — {heading}" if heading != title else title,
                    source=str(path.relative_to(root)),
                    anchor=slugify(heading),
                    text=piece,
                    topics=topics,
                )
            )
    return chunks


def load_folder(root: Path, enc: tiktoken.Encoding, max_tokens: int) -> list[Chunk]:
    chunks: list[Chunk] = []
    for path in sorted(root.rglob("*")):
        if path.suffix in {".yaml", ".yml"} and path.is_file():
            chunks.extend(faq_chunks(path, root))
        elif path.suffix == ".md" and path.is_file():
            chunks.extend(article_chunks(path, root, enc, max_tokens))
    return chunks
