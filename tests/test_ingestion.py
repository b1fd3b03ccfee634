"""A company's own knowledge folder: every format, bad files, incremental re-ingest, admin API,
cross-lingual retrieval, and answers that cite the right file."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from knowledge.ingest import ingest_folder
from tests.conftest import customer_client, make_settings, serve

ADMIN = "admin-token-for-tests-0123456789"


def pdf_bytes(lines: list[str]) -> bytes:
    """A minimal, valid one-page PDF with the given (ASCII) lines of text."""
    text = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(
        f"({ln.replace('(', '[').replace(')', ']')}) '" for ln in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            ).encode()
    return out


def write_company_folder(root: Path) -> Path:
    (root / "en").mkdir(parents=True)
    (root / "ar").mkdir()
    (root / "en" / "returns.md").write_text(
        "---\ntitle: Returning a purchase\nslug: returns\n---\n# Returning a purchase\n\n"
        "## Return window\nYou can return any unused item within 30 days of delivery for a full "
        "refund. Pickup is free anywhere in the Kingdom.\n\n"
        "## Damaged on arrival\nPhotograph the box and contact us within 48 hours.\n",
        encoding="utf-8",
    )
    (root / "ar" / "returns.md").write_text(
        "---\ntitle: إرجاع المشتريات\nslug: returns\n---\n# إرجاع المشتريات\n\n"
        "## مدة الإرجاع\nيمكنك إرجاع أي منتج غير مستخدم خلال 30 يوماً من التوصيل واسترداد "
        "المبلغ كاملاً. الاستلام مجاني في جميع مناطق المملكة.\n\n"
        "## منتج تالف عند الوصول\nصوّر الكرتون وتواصل معنا خلال 48 ساعة.\n",
        encoding="utf-8",
    )
    (root / "ar" / "gift-wrapping.html").write_text(
        "<html lang='ar'><head><title>تغليف الهدايا</title><style>p{}</style></head><body>"
        "<nav>القائمة</nav><main><h1>تغليف الهدايا</h1><h2>الرسوم</h2>"
        "<p>نغلف الهدايا بورق فاخر مقابل 19 ريالاً لكل طلب، مع بطاقة إهداء مكتوبة بخط اليد.</p>"
        "<h2>المدة</h2><ul><li>يضيف التغليف يوماً واحداً إلى مدة التجهيز.</li></ul>"
        "</main><footer>حقوق النشر</footer></body></html>",
        encoding="utf-8",
    )
    (root / "loyalty-points.pdf").write_bytes(pdf_bytes([
        "Loyalty points programme",
        "Every 10 SAR you spend earns 1 loyalty point.",
        "Points expire 12 months after they are earned.",
        "Redeem 100 points for a 10 SAR voucher at checkout.",
    ]))
    (root / "store-hours.txt").write_text(
        "Showroom opening hours\n\nOur Olaya showroom in Riyadh opens daily from 10:00 to "
        "23:00, and from 16:00 on Fridays.\n", encoding="utf-8")
    (root / "faq.csv").write_text(
        "id,category,question_en,answer_en,question_ar,answer_ar,paraphrases_en\n"
        "trade-in,trade-in,Do you accept trade-ins of old phones?,"
        "Yes: bring your old phone to any showroom and we credit its value to your new one.,"
        "هل تقبلون استبدال الجوالات القديمة؟,"
        "نعم، أحضر جوالك القديم إلى أي معرض ونخصم قيمته من جوالك الجديد.,"
        "can I swap my old phone|trade in program\n",
        encoding="utf-8",
    )
    (root / "more-faq.json").write_text(json.dumps([
        {"id": "student-discount", "lang": "en", "question": "Is there a student discount?",
         "answer": "Students get 5% off laptops with a valid university ID."},
    ]), encoding="utf-8")
    # Files that must be reported and skipped, not crash the run.
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\x00\x01")
    (root / "windows-arabic.txt").write_bytes("سياسة قديمة بترميز ويندوز".encode("cp1256"))
    (root / "empty.md").write_text("   \n", encoding="utf-8")
    (root / "notes.docx").write_bytes(b"ignored: not a supported format")
    return root


@pytest.fixture
def company(tmp_path: Path, data_dir: Path):
    folder = write_company_folder(tmp_path / "company-kb")
    settings = make_settings(data_dir, knowledge_dir=folder, admin_token=ADMIN)
    return folder, settings


def open_index(settings):
    from agent.service import open_knowledge

    return open_knowledge(settings)


def test_every_format_is_ingested_and_bad_files_are_named(company):
    folder, settings = company
    index = open_index(settings)
    result = ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    problems = {p.path: p.reason for p in result.problems}
    assert set(problems) == {"broken.pdf", "windows-arabic.txt", "empty.md", "notes.docx"}
    assert "unsupported" in problems["notes.docx"]
    assert "PDF" in problems["broken.pdf"]
    assert "UTF-8" in problems["windows-arabic.txt"]
    assert "empty" in problems["empty.md"]
    sources = {c.source for c in index._snap.chunks}
    assert sources == {"en/returns.md", "ar/returns.md", "ar/gift-wrapping.html",
                       "loyalty-points.pdf", "store-hours.txt", "faq.csv", "more-faq.json"}
    # The demo knowledge base is gone: the index mirrors the folder it was pointed at.
    assert not any(s.startswith("articles/") for s in sources)
    assert result.report.added == len(index) and result.report.removed > 100
    html = [c for c in index._snap.chunks if c.source == "ar/gift-wrapping.html"]
    assert {c.lang for c in html} == {"ar"}
    assert not any("القائمة" in c.text or "حقوق النشر" in c.text for c in html)
    faq = [c for c in index._snap.chunks if c.source == "faq.csv"]
    assert {c.lang for c in faq} == {"en", "ar"} and len({c.group for c in faq}) == 1
    for chunk in index._snap.chunks:
        assert chunk.title and chunk.anchor and chunk.content_hash


def test_reingest_only_touches_what_changed(company):
    folder, settings = company
    index = open_index(settings)
    first = ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    again = ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    assert again.report.unchanged == first.chunks
    assert (again.report.added, again.report.updated, again.report.removed) == (0, 0, 0)
    (folder / "store-hours.txt").write_text(
        "Showroom opening hours\n\nThe Olaya showroom now opens from 09:00 to 23:00.\n",
        encoding="utf-8")
    (folder / "more-faq.json").unlink()
    third = ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    assert third.report.updated == 1 and third.report.removed == 1 and third.report.added == 0
    assert third.report.unchanged == first.chunks - 2


@pytest.mark.parametrize("question,source,lang", [
    ("كم نقطة ولاء أحصل عليها لكل ريال؟", "loyalty-points.pdf", "en"),  # Arabic -> English-only
    ("how much does gift wrapping cost?", "ar/gift-wrapping.html", "ar"),  # English -> Arabic-only
    ("ابي ابدل جوالي القديم بجديد", "faq.csv", "ar"),
    ("what time does the showroom open on friday", "store-hours.txt", "en"),
])
def test_questions_find_the_right_file_across_languages(company, question, source, lang):
    folder, settings = company
    index = open_index(settings)
    ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    top = index.search(question).passages[0].chunk
    assert top.source == source and top.lang == lang


@pytest.mark.parametrize("lang,question,expect", [
    ("en", "What is the return window for unused items?", "30 days"),
    ("ar", "كم يوم عندي عشان ارجع المنتج؟", "30 يوماً"),
])
def test_the_assistant_answers_from_the_company_folder_with_citations(company, lang, question,
                                                                       expect):
    folder, settings = company
    from app import create_app

    ingest_folder(open_index(settings), folder, settings.model_cache_dir, settings.chunk_tokens)
    with serve(create_app(settings)) as base, customer_client(base) as api:
        cid = api.post("/v1/conversations", json={}).json()["id"]
        reply = api.post(f"/v1/conversations/{cid}/messages",
                         json={"text": question}).json()["replies"][0]
    assert expect in reply["text"], reply
    assert reply["citations"][0]["source"] == f"{lang}/returns.md"


def test_admin_api_needs_the_token_and_serves_new_content_live(company):
    folder, settings = company
    from app import create_app

    with serve(create_app(settings)) as base, customer_client(base, timeout=120) as api:
        assert api.post("/v1/admin/knowledge/ingest").status_code == 401
        wrong = api.post("/v1/admin/knowledge/ingest", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        auth = {"authorization": f"Bearer {ADMIN}"}
        done = api.post("/v1/admin/knowledge/ingest", headers=auth)
        assert done.status_code == 200, done.text
        body = done.json()
        assert {p["path"] for p in body["problems"]} == {"broken.pdf", "windows-arabic.txt",
                                                         "empty.md", "notes.docx"}
        stats = api.get("/v1/admin/knowledge", headers=auth).json()
        assert stats["sources"] == 7 and set(stats["by_language"]) == {"ar", "en"}
        (folder / "en" / "returns.md").write_text(
            "---\ntitle: Returning a purchase\nslug: returns\n---\n# Returning a purchase\n\n"
            "## Return labels\nFrom 1 December the printable return label is sent by SMS "
            "within 45 minutes of booking the return.\n", encoding="utf-8")
        again = api.post("/v1/admin/knowledge/ingest", headers=auth).json()
        assert again["report"]["updated"] >= 1 and again["report"]["removed"] >= 1
        cid = api.post("/v1/conversations", json={}).json()["id"]
        reply = api.post(f"/v1/conversations/{cid}/messages",
                         json={"text": "how soon do I get the return label?"}).json()
        # (The return window itself is computed from the action policy, not the article.)
        assert "45 minutes" in reply["replies"][0]["text"]


def test_admin_api_is_off_without_a_token(data_dir):
    from app import create_app

    with serve(create_app(make_settings(data_dir))) as base:
        r = httpx.post(f"{base}/v1/admin/knowledge/ingest",
                       headers={"authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 503 and "CX_ADMIN_TOKEN" in r.json()["detail"][0]


def test_cx_kb_ingest_reports_skipped_files_and_exit_code(company):
    folder, settings = company
    cx = shutil.which("cx", path=str(Path(sys.executable).parent))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CX_"))}
    env |= {"CX_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    out = subprocess.run([cx, "kb", "ingest", str(folder)], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 1, out.stderr
    assert "skipped broken.pdf" in out.stdout and "skipped empty.md" in out.stdout
    assert "from 11 files" in out.stdout
    stats = subprocess.run([cx, "kb", "stats"], env=env, capture_output=True, text=True,
                           timeout=300)
    assert "from 7 sources" in stats.stdout
    search = subprocess.run([cx, "kb", "search", "loyalty points expiry"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert "loyalty-points.pdf" in search.stdout.splitlines()[1]
    missing = subprocess.run([cx, "kb", "ingest", str(folder / "nope")], env=env,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "Not a folder" in missing.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_chroma_server_mode(company, tmp_path):
    """The same ingestion and search against a Chroma server (HttpClient)."""
    folder, settings = company
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    port = _free_port()
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "chroma-server"),
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "chroma did not start"
            time.sleep(0.3)
        remote = settings.model_copy(update={"chroma_mode": "http", "chroma_port": port})
        index = open_index(remote)
        result = ingest_folder(index, folder, remote.model_cache_dir, remote.chunk_tokens)
        assert result.report.added == result.chunks > 0
        top = index.search("loyalty points expire").passages[0].chunk
        assert top.source == "loyalty-points.pdf"
        # A second client sees what the first wrote: the data lives in the server.
        assert len(open_index(remote)) == result.chunks
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _phrasings(index) -> dict[str, set[str]]:
    """FAQ chunk id -> the phrasings the index holds a vector for."""
    got = index.fields.get(include=["documents", "metadatas"])
    out: dict[str, set[str]] = {}
    for doc, meta in zip(got["documents"], got["metadatas"]):
        out.setdefault(meta["parent"], set()).add(doc)
    return out


def test_each_faq_phrasing_gets_its_own_vector_and_follows_edits(company):
    folder, settings = company
    index = open_index(settings)
    ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    held = _phrasings(index)
    trade_en = next(cid for cid in held if "trade-in" in cid and cid.endswith(":en"))
    assert held[trade_en] == {"Do you accept trade-ins of old phones?",
                              "can I swap my old phone", "trade in program"}
    assert any(cid.endswith(":ar") and "هل تقبلون استبدال الجوالات القديمة؟" in p
               for cid, p in held.items())
    # Articles have no phrasings; only FAQ chunks own vectors here.
    faq_ids = {c.id for c in index._snap.chunks if c.kind == "faq"}
    assert set(held) == faq_ids

    # An edited paraphrase replaces its vector; a removed FAQ takes its vectors with it.
    csv_path = folder / "faq.csv"
    csv_path.write_text(csv_path.read_text("utf-8").replace("trade in program",
                                                            "do you buy used phones"), "utf-8")
    (folder / "more-faq.json").unlink()
    ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    held = _phrasings(index)
    assert "do you buy used phones" in held[trade_en] and "trade in program" not in held[trade_en]
    assert not any("student" in cid for cid in held)
    assert len(index._snap.field_parents) == sum(len(p) for p in held.values())


def test_an_index_built_before_phrasing_vectors_gains_them_without_reembedding(company):
    from agent.service import make_embeddings
    from knowledge.index import KnowledgeIndex, open_collection

    folder, settings = company
    embed = make_embeddings(settings)
    old = KnowledgeIndex(collection=open_collection(embed, name=settings.chroma_collection,
                                                    path=settings.chroma_path), embed=embed)
    first = ingest_folder(old, folder, settings.model_cache_dir, settings.chunk_tokens)
    index = open_index(settings)
    assert not len(index._snap.field_parents)
    again = ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    assert again.report.unchanged == first.chunks and again.report.added == 0
    assert len(index._snap.field_parents) > 0


@pytest.mark.parametrize("question", ["do you take my old phone as part payment",
                                      "ممكن ابدل جوالي القديم عندكم"])
def test_a_phrasing_lifts_its_faq_and_never_sinks_it(company, question):
    folder, settings = company
    index = open_index(settings)
    ingest_folder(index, folder, settings.model_cache_dir, settings.chunk_tokens)
    lifted = dict(index.dense(question))
    index.field_share = 0.0
    plain = dict(index.dense(question))
    assert all(lifted[cid] >= plain[cid] - 1e-6 for cid in plain if cid in lifted)
    trade = [cid for cid in lifted if "trade-in" in cid]
    assert trade and any(lifted[cid] > plain.get(cid, 0.0) for cid in trade)
