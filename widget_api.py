"""The customer's face: the chat widget, the demo storefront, and what the widget needs.

`install(app)` adds:

- `GET /widget.js`: the widget (one script tag on any site; plain JavaScript in a Shadow DOM,
  its CSS inlined when served, so there is no build step);
- `GET /`: a demo storefront embedding it (`?lang=ar|en`; `?customer=C1001` signs in a demo
  customer, never in production);
- `GET /v1/widget/config`: brand names, the AI disclosure and the privacy notice from the
  policies in force, order status labels, in both languages;
- `GET /v1/knowledge/source?path=...`: a read-only page for a citation's source, rendered from
  the knowledge index (never from the file system: only indexed sources exist here);
- `POST /v1/conversations/{id}/end`: the customer ends the chat (mode `closed`, audited);
- `POST|GET /v1/conversations/{id}/csat`: one 1-5 rating per conversation.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from string import Template
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from agent.service import Assistant
from tools.backend import now
from tools.conversations import Csat
from tools.events import INBOX
from tools.models import AuditRecord
from tools.wire import UnicodeText
from api_errors import error_response, responses
from conversation_access import ConversationDep

WEB = Path(__file__).resolve().parent / "web"
_CSS_SLOT = '/*CSS*/""'
_CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

router = APIRouter()


def _assistant(request: Request) -> Assistant:
    return request.app.state.assistant


# --- static assets -------------------------------------------------------------------------

class _Asset:
    """A text asset read from `web/`, re-read when the files change (edit and reload)."""

    def __init__(self, build) -> None:
        self._build = build
        self._key: tuple | None = None
        self.body = b""
        self.etag = ""

    def get(self, *paths: Path) -> "_Asset":
        key = tuple(p.stat().st_mtime_ns for p in paths)
        if key != self._key:
            self.body = self._build(*paths).encode("utf-8")
            self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'
            self._key = key
        return self


def _widget_source(js: Path, css: Path) -> str:
    source = js.read_text("utf-8")
    return source.replace(_CSS_SLOT, json.dumps(css.read_text("utf-8")), 1)


_widget = _Asset(_widget_source)
_demo_css = _Asset(lambda p: p.read_text("utf-8"))


def _serve(asset: _Asset, request: Request, media_type: str, *, cross_origin: bool) -> Response:
    headers = {
        "ETag": asset.etag,
        # Short, so a new version reaches host sites soon; the ETag makes revalidation cheap.
        "Cache-Control": "public, max-age=300, must-revalidate",
        "X-Content-Type-Options": "nosniff",
    }
    if cross_origin:  # any site may load it, also with crossorigin="anonymous" or under COEP
        headers |= {"Access-Control-Allow-Origin": "*",
                    "Cross-Origin-Resource-Policy": "cross-origin"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(asset.body, media_type=media_type, headers=headers)


@router.get("/widget.js", include_in_schema=False)
async def widget_js(request: Request) -> Response:
    """`<script src=".../widget.js" data-api="..." data-lang="ar" defer></script>`"""
    asset = _widget.get(WEB / "widget" / "widget.js", WEB / "widget" / "widget.css")
    return _serve(asset, request, "text/javascript; charset=utf-8", cross_origin=True)


@router.get("/demo/demo.css", include_in_schema=False)
async def demo_css(request: Request) -> Response:
    return _serve(_demo_css.get(WEB / "demo" / "demo.css"), request, "text/css; charset=utf-8",
                  cross_origin=False)


# --- the demo storefront ---------------------------------------------------------------------

_DEMO_TEXT = {
    "en": dict(
        dir="ltr", other="ar", other_label="العربية", title="Rawaf Electronics & Home",
        tagline="Phones, TVs and home appliances, delivered across the Kingdom.",
        nav_phones="Phones", nav_tv="TVs", nav_home="Home appliances", nav_help="Help",
        hero="White Friday deals are here", hero_sub="Free delivery on orders of 299 SAR or more.",
        cta="Shop now", featured="Featured products", currency="SAR",
        help_title="Need help?",
        help_text="Ask Noura, our AI assistant, about delivery, orders, returns or warranty. "
                  "She can hand you over to a person from our team at any time.",
        demo_note="Demo store. Signed in as demo customer {customer}.",
        demo_anon="Demo store. Try ?customer=C1001 to chat as a signed-in customer.",
        footer="© Rawaf Electronics & Home (a fictional demo brand)",
    ),
    "ar": dict(
        dir="rtl", other="en", other_label="English", title="رواف للإلكترونيات والأجهزة المنزلية",
        tagline="جوالات وشاشات وأجهزة منزلية، نوصلها لك في كل مناطق المملكة.",
        nav_phones="الجوالات", nav_tv="الشاشات", nav_home="الأجهزة المنزلية", nav_help="المساعدة",
        hero="عروض الجمعة البيضاء وصلت", hero_sub="توصيل مجاني للطلبات بقيمة 299 ريال أو أكثر.",
        cta="تسوّق الآن", featured="منتجات مختارة", currency="ريال",
        help_title="تحتاج مساعدة؟",
        help_text="اسأل نورة، مساعدتنا الافتراضية بالذكاء الاصطناعي، عن التوصيل والطلبات "
                  "والإرجاع والضمان، ويمكنها تحويلك إلى أحد موظفينا في أي وقت.",
        demo_note="متجر تجريبي. أنت مسجّل الدخول كعميل تجريبي {customer}.",
        demo_anon="متجر تجريبي. جرّب ‎?customer=C1001‎ للمحادثة كعميل مسجّل الدخول.",
        footer="© رواف للإلكترونيات والأجهزة المنزلية (علامة تجريبية خيالية)",
    ),
}

_FEATURED = ["PH-APL-IP16P-256", "TV-LG-65C4", "FR-SAM-RS64-635", "AU-SNY-WH1000XM5",
             "WM-LG-F4R5-9", "WR-XIA-SBAND9"]


def _featured_products(assistant: Assistant, lang: str) -> list[tuple[str, float]]:
    """A few products from the catalogue file (names and prices), for the storefront."""
    import yaml

    try:
        items = yaml.safe_load(assistant.deps.settings.products_file.read_text("utf-8")) or []
    except (OSError, yaml.YAMLError):
        return []
    by_sku = {i.get("sku"): i for i in items if isinstance(i, dict)}
    chosen = [by_sku[s] for s in _FEATURED if s in by_sku] or list(by_sku.values())[:6]
    out = []
    for item in chosen[:6]:
        name = item.get("name") or {}
        if isinstance(name, dict) and item.get("price") is not None:
            out.append((str(name.get(lang) or name.get("en") or item.get("sku")),
                        float(item["price"])))
    return out


@router.get("/", include_in_schema=False, response_class=HTMLResponse)
async def demo_page(
    request: Request,
    lang: Literal["ar", "en"] = "ar",
    customer: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    """A demo storefront embedding the widget with one script tag."""
    from app import mint_customer_token

    assistant = _assistant(request)
    settings = assistant.deps.settings
    text = _DEMO_TEXT[lang]
    token = ""
    if customer and settings.environment != "production" and _CUSTOMER_ID.match(customer):
        if await assistant.deps.backend.get_customer(customer) is not None:
            token = mint_customer_token(settings, customer)
    products = "\n".join(
        f'<li class="product"><div class="thumb" aria-hidden="true"></div>'
        f'<h3>{html.escape(name)}</h3>'
        f'<p class="price"><bdi>{price:,.2f}</bdi> {html.escape(text["currency"])}</p></li>'
        for name, price in _featured_products(assistant, lang)
    )
    note = text["demo_note"].format(customer=customer) if token else text["demo_anon"]
    page = Template((WEB / "demo" / "index.html").read_text("utf-8"))
    values = {k: html.escape(v) for k, v in text.items()} | {
        "lang": lang, "products": products, "demo_note": html.escape(note),
        "token_attr": f' data-customer-token="{html.escape(token)}"' if token else "",
        "other_href": html.escape(f"?lang={text['other']}"
                                  + (f"&customer={customer}" if token else "")),
    }
    return HTMLResponse(page.safe_substitute(values), headers={
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                   "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        "Cache-Control": "no-store",
    })


# --- the widget's configuration ----------------------------------------------------------------

def _privacy_source(assistant: Assistant, lang: str) -> str | None:
    """The indexed article about privacy in this language, if the knowledge base has one."""
    try:
        got = assistant.deps.knowledge.collection.get(
            where={"$and": [{"kind": "article"}, {"lang": lang}]}, include=["metadatas"])
    except Exception:  # an index without these fields: no link, the notice still shows
        return None
    sources = sorted({str(m.get("source")) for m in got.get("metadatas") or []
                      if m and "privacy" in str(m.get("topics") or "").split(",")})
    return sources[0] if sources else None


@router.get("/v1/widget/config", tags=["widget"])
async def widget_config(request: Request, response: Response) -> dict[str, Any]:
    """What the widget shows around the conversation, from the policies in force: brand and
    assistant names, the AI disclosure, the privacy notice and link, order status labels."""
    assistant = _assistant(request)
    policies = assistant.deps.policies
    brand, voice, privacy = policies.voice.brand, policies.voice.voice, policies.privacy
    labels = assistant.deps.replies.labels.get("status", {})
    out: dict[str, Any] = {
        "timezone": brand.timezone, "currency": brand.currency, "website": brand.website,
        "support_phone": brand.support_phone, "support_email": brand.support_email,
        "retention_days": privacy.retention.transcripts_days,
        "max_message_chars": assistant.deps.settings.max_message_chars,
    }
    for lang in ("ar", "en"):
        source = _privacy_source(assistant, lang)
        out[lang] = {
            "brand": getattr(brand.name, lang),
            "brand_full": getattr(brand.full_name, lang),
            "assistant": getattr(brand.assistant_name, lang),
            "ai_disclosure": getattr(voice.ai_disclosure, lang),
            "privacy_warning": getattr(privacy.never_ask.warning, lang),
            "privacy_url": (f"/v1/knowledge/source?path={source}&lang={lang}" if source
                            else brand.website),
            "status": {k: v.get(lang, k) for k, v in labels.items() if isinstance(v, dict)},
        }
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return out


# --- knowledge sources (what a citation links to) ---------------------------------------------

def _markdown(text: str) -> str:
    """Markdown to HTML with raw HTML escaped and unsafe link schemes refused."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # plain paragraphs
        return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


_SOURCE_PAGE = Template("""<!doctype html>
<html lang="$lang" dir="$dir"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body{font:16px/1.6 system-ui,"Segoe UI",Tahoma,"Noto Sans Arabic","DejaVu Sans",sans-serif;
color:#1b1f24;background:#f6f7f7;margin:0}
main{max-width:760px;margin:0 auto;padding:24px 20px 64px;background:#fff;min-height:100vh}
header p{color:#4b5560;margin:0 0 8px;font-size:14px} h1{color:#0b4f4a;font-size:26px}
section{padding:4px 14px;border-radius:8px;margin:0 -14px}
section:target{background:#fff6dc;outline:2px solid #c98a00}
table{border-collapse:collapse} td,th{border:1px solid #ccd3d6;padding:6px 10px}
a{color:#0b5a8a}
</style></head><body><main>
<header><p>$brand</p><h1>$title</h1></header>
$body
</main></body></html>""")


@router.get("/v1/knowledge/source", tags=["widget"], response_class=HTMLResponse,
            responses=responses(404, 422, media_type="application/json"))
async def knowledge_source(
    request: Request,
    path: Annotated[str, Query(min_length=1, max_length=300,
                               description="A citation's `source`, as indexed")],
    lang: Literal["ar", "en"] | None = None,
) -> Response:
    """A citation's source as a readable page, one section per anchor (link to
    `...#anchor`). Built from the knowledge index: only indexed sources can be shown."""
    assistant = _assistant(request)
    try:
        got = assistant.deps.knowledge.collection.get(
            where={"source": path}, include=["documents", "metadatas"])
    except Exception:
        got = {"ids": []}
    chunks = [(i, d, m or {}) for i, d, m in zip(got.get("ids") or [], got.get("documents") or [],
                                                 got.get("metadatas") or [])]
    langs = {m.get("lang") for _, _, m in chunks}
    if lang is None:
        lang = "ar" if langs == {"ar"} else "en" if "en" in langs else "ar"
    chunks = [c for c in chunks if c[2].get("lang") == lang] or chunks
    if not chunks:
        return error_response(status.HTTP_404_NOT_FOUND, "source not found",
                      f"no indexed knowledge source {path!r}")

    def order(chunk: tuple[str, str, dict]) -> tuple:
        # Article chunk ids end in ":<section>:<piece>[:<lang>]"; FAQ rows keep index order.
        nums = [int(p) for p in chunk[0].split(":") if p.isdigit()]
        return tuple(nums[-2:]) if len(nums) >= 2 else (0, 0)

    chunks.sort(key=order)
    sections: dict[str, list[str]] = {}
    heads: dict[str, str] = {}
    doc_title = ""
    for _, text, meta in chunks:
        anchor = str(meta.get("anchor") or "")
        if meta.get("kind") == "faq":
            heads[anchor] = str(meta.get("title") or "")
            sections.setdefault(anchor, []).append(str(meta.get("answer") or text))
            continue
        title = str(meta.get("title") or "")
        doc, _, heading = title.partition(" — ")
        doc_title = doc_title or doc
        heads.setdefault(anchor, heading)
        sections.setdefault(anchor, []).append(text)
    kind = chunks[0][2].get("kind")
    faq_titles = {"ar": "الأسئلة الشائعة", "en": "Frequently asked questions"}
    body = "\n".join(
        f'<section id="{html.escape(a)}">'
        + (f"<h2>{html.escape(heads[a])}</h2>" if heads.get(a) else "")
        + _markdown("\n\n".join(parts)) + "</section>"
        for a, parts in sections.items()
    )
    brand = getattr(assistant.deps.policies.voice.brand.full_name, lang)
    page = _SOURCE_PAGE.substitute(
        lang=lang, dir="rtl" if lang == "ar" else "ltr", brand=html.escape(brand),
        title=html.escape(faq_titles[lang] if kind == "faq" else doc_title or path), body=body)
    return HTMLResponse(page, headers={
        # Nothing here may run: the text is the knowledge base's, rendered without raw HTML.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
        "Cache-Control": "public, max-age=300",
    })


# --- ending a conversation, and the customer's rating ---------------------------------------

class CsatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: StrictInt = Field(ge=1, le=5, description="1 (very poor) to 5 (excellent)")
    comment: UnicodeText | None = Field(None, max_length=1000)

    @field_validator("comment")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class CsatOut(BaseModel):
    conversation_id: str
    rating: Csat | None


class EndOut(BaseModel):
    conversation_id: str
    mode: Literal["closed"] = "closed"


async def _audit(assistant: Assistant, conversation_id: str, action: str, reason: str,
                 **details: Any) -> None:
    await assistant.deps.backend.record_audit(AuditRecord(
        at=now(), conversation_id=conversation_id, actor="customer", action=action,
        allowed=True, reason=reason, details=details))


@router.post("/v1/conversations/{conversation_id}/end", tags=["widget"],
             responses=responses(401, 404, 422))
async def end_conversation(conversation_id: str, request: Request,
                           conv: ConversationDep) -> EndOut:
    """The customer pressed "End chat": the conversation is closed (the next message starts
    afresh with the assistant). A handoff still open stays in the queue, and the inbox is
    told the customer left."""
    assistant = _assistant(request)
    if conv.mode != "closed":
        handoff = (await assistant.deps.backend.open_handoff(conversation_id)
                   if conv.mode in ("waiting_human", "human") else None)
        await assistant.set_mode(conversation_id, "closed", fresh_start=True)
        await assistant.publish(conversation_id, "mode", {"mode": "closed"})
        if handoff is not None:
            await assistant.bus.publish(INBOX, "customer_left", {
                "conversation_id": conversation_id, "handoff_id": handoff.id})
        await _audit(assistant, conversation_id, "conversation.end",
                     "the customer ended the chat", previous_mode=conv.mode,
                     handoff_id=handoff.id if handoff else None)
    return EndOut(conversation_id=conversation_id)


@router.post("/v1/conversations/{conversation_id}/csat", tags=["widget"],
             status_code=status.HTTP_201_CREATED,
             responses=responses(401, 404, 409, 422))
async def rate_conversation(conversation_id: str, body: CsatIn, request: Request,
                            _: ConversationDep):
    """The customer's rating (1-5) and optional comment; one per conversation."""
    assistant = _assistant(request)
    if await assistant.store.last_message_id(conversation_id) == 0:
        return error_response(status.HTTP_409_CONFLICT, "conflict",
                      "the conversation has no messages yet: nothing to rate")
    stored = await assistant.store.rate(conversation_id, body.score, body.comment)
    if stored is None:
        return error_response(status.HTTP_409_CONFLICT, "conflict",
                      f"conversation {conversation_id} has been rated already")
    await _audit(assistant, conversation_id, "csat", "the customer rated the conversation",
                 score=stored.score, resolved_by=stored.resolved_by,
                 comment_chars=len(stored.comment or ""))
    return CsatOut(conversation_id=conversation_id, rating=stored)


@router.get("/v1/conversations/{conversation_id}/csat", tags=["widget"],
            responses=responses(401, 404, 422))
async def get_rating(conversation_id: str, request: Request, _: ConversationDep) -> CsatOut:
    """The conversation's rating, or `rating: null` if it has none yet."""
    assistant = _assistant(request)
    return CsatOut(conversation_id=conversation_id,
                   rating=await assistant.store.rating(conversation_id))


def install(app: FastAPI) -> None:
    """Add the widget, the demo page and the widget's endpoints to the app."""
    app.include_router(router)
