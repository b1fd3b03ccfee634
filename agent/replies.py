"""Render approved reply templates (policies/replies.yaml) in the customer's language."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agent.state import Citation, Lang, QuickReply, Reply


class _Text(BaseModel):
    en: str
    ar: str


class ReplyBook(BaseModel):
    version: str
    templates: dict[str, _Text]
    labels: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> "ReplyBook":
        from policies.loader import PolicyError, load_model

        book = load_model(path, cls)
        try:
            book._check_placeholders()
        except ValueError as exc:
            raise PolicyError(f"{path}: {exc}") from None
        return book

    def _check_placeholders(self) -> None:
        """Both languages of a template must use the same placeholders."""
        fmt = string.Formatter()
        for key, text in self.templates.items():
            names = [{f for _, f, _, _ in fmt.parse(t) if f} for t in (text.en, text.ar)]
            if names[0] != names[1]:
                raise ValueError(f"template {key!r}: en uses {names[0]}, ar uses {names[1]}")

    def has(self, key: str) -> bool:
        return key in self.templates

    def text(self, key: str, lang: Lang, **values: Any) -> str:
        template = getattr(self.templates[key], lang)
        return template.format_map(_Defaults(values, self.label("unknown", lang)))

    def label(self, path: str, lang: Lang) -> str:
        node: Any = self.labels
        for part in path.split("."):
            node = node[part]
        return node[lang]

    def quick(self, names: list[str], lang: Lang) -> list[QuickReply]:
        return [
            QuickReply(label=self.label(f"quick.{n}", lang), text=self.label(f"quick.{n}", lang))
            for n in names
        ]

    def reply(
        self,
        key: str,
        lang: Lang,
        *,
        kind: str = "text",
        citations: list[Citation] | None = None,
        quick: list[str] | None = None,
        data: dict[str, Any] | None = None,
        **values: Any,
    ) -> Reply:
        return Reply(
            text=self.text(key, lang, **values),
            lang=lang,
            kind=kind,  # type: ignore[typeddict-item]
            citations=citations or [],
            quick_replies=self.quick(quick or [], lang),
            data=(data or {}) | {"template": key},
        )


class _Defaults(dict):
    """format_map values where a missing value reads as 'not given yet'."""

    def __init__(self, values: dict[str, Any], unknown: str) -> None:
        super().__init__(values)
        self._unknown = unknown

    def __missing__(self, key: str) -> str:
        return self._unknown

    def __getitem__(self, key: str) -> Any:
        value = super().get(key)
        return self._unknown if value is None else value


def money(amount: float, lang: Lang) -> str:
    return f"{amount:,.2f} ريال" if lang == "ar" else f"SAR {amount:,.2f}"
