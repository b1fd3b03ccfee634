/* The Rawaf chat widget: one script tag on any site.
 *
 *   <script src="https://host/widget.js" data-api="https://host" data-lang="ar"
 *           data-customer-token="..." defer></script>
 *
 * Plain JavaScript (ES2020), no build step. Everything lives in a Shadow DOM, so the host
 * page's CSS and the widget's cannot touch each other. The server inlines widget.css below.
 *
 * Two channels carry messages: the POST that sends a customer message streams the assistant's
 * replies back (events delta, message, done), and an EventSource on the conversation's live
 * stream brings every transcript message (people, system notices, replies too) with its
 * transcript id. Messages are de-duplicated by that id; a bubble shown from the POST (which
 * has no id) is matched to its transcript copy by role and text when that arrives.
 */
(() => {
  "use strict";
  const CSS = /*CSS*/"";
  if (window.RawafChat) return; // one widget per page

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const data = (script && script.dataset) || {};
  const API = (data.api || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const pick = (l) => (String(l || "").toLowerCase().startsWith("ar") ? "ar" : "en");
  const PAGE_LANG = pick(data.lang || document.documentElement.lang);
  const TOKEN = data.customerToken || null;
  const STORE_KEY = "rawaf-cx:" + API;

  // --- UI wording (the brand's own wording comes from /v1/widget/config) -------------------
  const T = {
    en: {
      open: "Chat with {assistant}", title: "{assistant} · {brand}", ai: "AI assistant",
      withAgent: "With {agent}, {brand} team", close: "Close chat", end: "End chat",
      placeholder: "Type your message…", send: "Send", typing: "{assistant} is typing…",
      privacyLink: "How we handle your data", retention: "Chats are kept for {days} days.",
      source: "Source:", waiting: "Connecting you to a person from our team, about {minutes} minutes.",
      waitingSoon: "Connecting you to a person from our team…", ref: "Reference {ref}",
      ticket: "No one can join the chat right now. Ticket {ticket}: our team will contact you by {callback}.",
      joined: "You're chatting with {agent} from the {brand} team.",
      transferring: "Passing you to a colleague who can help best…",
      agentLabel: "{agent} · {brand} team", csatQ: "How was your chat?", csatLow: "Very poor",
      csatHigh: "Excellent", csatN: "{n} out of 5", csatComment: "Anything you'd like to add? (optional)",
      csatSend: "Send rating", csatSkip: "Not now", csatThanks: "Thank you for your feedback!",
      csatPick: "Please choose a rating from 1 to 5.", ended: "You ended the chat. Write here any time to start again.",
      failed: "Not sent.", retry: "Try again", reconnecting: "Connection lost. Reconnecting…",
      fresh: "Your previous conversation is no longer available, so this is a new one.",
      details: "Details", track: "Track order {id}", total: "Total", expected: "Expected delivery",
      tracking: "Tracking", more: "+{n} more", unread: "{n} new messages", log: "Conversation",
      fallbackAi: "You're chatting with an AI assistant. You can ask for a person at any time.",
      tooLong: "That message is too long. Please shorten it.",
    },
    ar: {
      open: "تحدث مع {assistant}", title: "{assistant} · {brand}", ai: "مساعدة بالذكاء الاصطناعي",
      withAgent: "مع {agent}، فريق {brand}", close: "إغلاق المحادثة", end: "إنهاء المحادثة",
      placeholder: "اكتب رسالتك…", send: "إرسال", typing: "{assistant} تكتب…",
      privacyLink: "كيف نتعامل مع بياناتك", retention: "نحتفظ بالمحادثات {days} يومًا.",
      source: "المصدر:", waiting: "جارٍ تحويلك إلى أحد موظفي الفريق، خلال {minutes} دقيقة تقريبًا.",
      waitingSoon: "جارٍ تحويلك إلى أحد موظفي الفريق…", ref: "رقم المرجع {ref}",
      ticket: "لا يمكن لأحد الانضمام إلى المحادثة الآن. التذكرة {ticket}: سيتواصل معك فريقنا قبل {callback}.",
      joined: "أنت الآن مع {agent} من فريق {brand}.",
      transferring: "جارٍ تحويلك إلى زميل مختص…",
      agentLabel: "{agent} · فريق {brand}", csatQ: "كيف كانت تجربتك في هذه المحادثة؟", csatLow: "سيئة جدًا",
      csatHigh: "ممتازة", csatN: "{n} من 5", csatComment: "هل تود إضافة ملاحظة؟ (اختياري)",
      csatSend: "إرسال التقييم", csatSkip: "ليس الآن", csatThanks: "شكرًا لتقييمك!",
      csatPick: "اختر تقييمًا من 1 إلى 5.", ended: "أنهيت المحادثة. اكتب هنا في أي وقت لبدء محادثة جديدة.",
      failed: "لم تُرسل.", retry: "أعد المحاولة", reconnecting: "انقطع الاتصال. جارٍ إعادة الاتصال…",
      fresh: "محادثتك السابقة لم تعد متاحة، لذلك بدأنا محادثة جديدة.",
      details: "التفاصيل", track: "تتبع الطلب {id}", total: "الإجمالي", expected: "التوصيل المتوقع",
      tracking: "رقم التتبع", more: "+{n} أخرى", unread: "{n} رسائل جديدة", log: "المحادثة",
      fallbackAi: "أنت تتحدث مع مساعد افتراضي بالذكاء الاصطناعي، ويمكنك طلب موظف في أي وقت.",
      tooLong: "الرسالة طويلة جدًا، أرجو اختصارها.",
    },
  };
  const DEFAULTS = {
    en: { brand: "", assistant: "Assistant", status: {} },
    ar: { brand: "", assistant: "المساعد", status: {} },
  };

  // --- state ------------------------------------------------------------------------------
  const S = {
    lang: PAGE_LANG, config: null, conv: null, mode: "assistant", lastId: 0,
    byId: new Map(),     // transcript id -> element shown
    pending: [],         // bubbles shown before their transcript id was known: {role, text, el}
    unclaimed: [],       // live assistant messages a running POST may still deliver: {text}
    inflight: 0, es: null, retry: 0, retryTimer: null, offlineTimer: null,
    handoff: null, agent: null, rated: false, csatEl: null, sendLocale: false,
    unread: 0, isOpen: false,
  };

  const cfg = (lang = S.lang) => (S.config && S.config[lang]) || DEFAULTS[lang];
  // UI wording in the conversation's language (or another one); {brand} and {assistant}
  // come from the config.
  const t = (key, values = {}, lang = S.lang) =>
    T[lang][key].replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : cfg(lang)[k] ?? ""));
  const dirOf = (lang) => (lang === "ar" ? "rtl" : lang === "en" ? "ltr" : "auto");

  // --- DOM helpers ----------------------------------------------------------------------
  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === "class") el.className = v;
      else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c != null) el.append(c);
    return el;
  }
  const ICON_CHAT = '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z"/></svg>';
  const ICON_SEND = '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M3 20.5 21 12 3 3.5 3 10l12 2-12 2z"/></svg>';
  const icon = (d) => `<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="${d}"/></svg>`;
  const ICONS = {
    waiting: icon("M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 5h-2v6.2l5 3 1-1.7-4-2.4z"),
    joined: icon("M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-4.4 0-8 2.2-8 5v1h16v-1c0-2.8-3.6-5-8-5z"),
    ticket: icon("M3 7a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2v3a2 2 0 0 0 0 4v3a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-3a2 2 0 0 0 0-4z"),
  };
  function svg(markup) { const s = h("span"); s.innerHTML = markup; return s.firstChild; }

  // Left-to-right runs inside any text (order numbers, references, amounts, dates, phones,
  // emails) are isolated, so "RW-100234" or "2,547.00" keep their order inside Arabic.
  const LTR_RUN = /(https?:\/\/[^\s]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[A-Z]{2,}-[A-Z0-9]+|[A-Z]*\+?\d[\d*]*(?:[ ,.\/:\-][\d*]+)*[A-Z0-9]*)/g;
  function richText(text) {
    const frag = document.createDocumentFragment();
    String(text).split(/\*\*(.+?)\*\*/s).forEach((part, i) => {
      const target = i % 2 ? frag.appendChild(h("strong")) : frag;
      part.split(LTR_RUN).forEach((piece, j) => {
        if (!piece) return;
        // Codes and numbers stay on one line; addresses may wrap.
        target.append(j % 2 ? h("bdi", { dir: "ltr", class: /[@/]/.test(piece) ? null : "nb" }, piece) : piece);
      });
    });
    return frag;
  }
  const money = (n, lang) => { // Western digits, as the brand writes them
    const v = Number(n).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return lang === "ar" ? `${v} ريال` : `SAR ${v}`;
  };
  const local = (obj, lang) => (obj && typeof obj === "object" ? obj[lang] || obj.en || obj.ar : obj);
  function when(iso, lang) {
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const tz = (S.config && S.config.timezone) || "Asia/Riyadh";
    const locale = lang === "ar" ? "ar-SA-u-ca-gregory-nu-latn" : "en-GB";
    return new Intl.DateTimeFormat(locale, {
      weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      timeZone: tz,
    }).format(d);
  }
  function day(value, lang) {
    const d = new Date(value + (String(value).length === 10 ? "T12:00:00" : ""));
    if (isNaN(d)) return value;
    const locale = lang === "ar" ? "ar-SA-u-ca-gregory-nu-latn" : "en-GB";
    return new Intl.DateTimeFormat(locale, { weekday: "short", day: "numeric", month: "short" }).format(d);
  }

  // --- storage (per API origin; never another customer's conversation) -------------------------
  function customerOfToken(token) {
    // The token's payload part is base64url JSON {"customer_id": ...}: read (not verified)
    // only to tell whose conversation this browser keeps.
    try {
      const part = token.split(".")[0];
      if (!part) return token; // compressed payload: the token itself is the key
      const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
      return JSON.parse(json).customer_id || token;
    } catch (e) { return token; }
  }
  const CUSTOMER = TOKEN ? customerOfToken(TOKEN) : null;
  function load() { try { return JSON.parse(localStorage.getItem(STORE_KEY)); } catch (e) { return null; } }
  function save() {
    try {
      if (S.conv) localStorage.setItem(STORE_KEY, JSON.stringify(
        { id: S.conv.id, secret: S.conv.secret, customer: CUSTOMER, pageLang: PAGE_LANG }));
      else localStorage.removeItem(STORE_KEY);
    } catch (e) { /* storage unavailable: the conversation lasts as long as the page */ }
  }

  // --- the shell ----------------------------------------------------------------------------
  const host = h("div", { id: "rawaf-chat", "data-rawaf-chat": "" });
  const shadow = host.attachShadow({ mode: "open" });
  if (shadow.adoptedStyleSheets !== undefined && window.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS); // allowed by strict Content-Security-Policies, unlike <style>
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.append(h("style", {}, CSS));
  }
  const badge = h("span", { class: "badge", hidden: true, "aria-hidden": "true" });
  const launcher = h("button", { class: "launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "rw-panel", onclick: () => (S.isOpen ? close() : open()) }, svg(ICON_CHAT), badge);
  const titleEl = h("h2", { class: "title", id: "rw-title" });
  const subtitleEl = h("p", { class: "subtitle" });
  const avatar = h("span", { class: "avatar", "aria-hidden": "true" });
  const endBtn = h("button", { type: "button", class: "end", hidden: true, onclick: () => endChat() });
  const closeBtn = h("button", { type: "button", class: "close", onclick: () => close() }, "×");
  const banner = h("div", { class: "banner", role: "status", hidden: true });
  const notice = h("div", { class: "notice", id: "rw-notice" });
  const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
  const typing = h("div", { class: "typing", role: "status", hidden: true },
    h("span", { class: "dot" }), h("span", { class: "dot" }), h("span", { class: "dot" }),
    h("span", { class: "sr-only" }));
  const scroller = h("div", { class: "scroll" }, notice, log, typing);
  const input = h("textarea", { id: "rw-input", rows: "1", maxlength: "2000", enterkeyhint: "send" });
  const inputLabel = h("label", { class: "sr-only", for: "rw-input" });
  const sendBtn = h("button", { type: "submit", class: "send" }, svg(ICON_SEND));
  const composer = h("form", { class: "composer", onsubmit: (e) => { e.preventDefault(); submit(); } },
    inputLabel, input, sendBtn);
  const panel = h("section", { class: "panel", id: "rw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "rw-title", "aria-describedby": "rw-notice", hidden: true },
  h("header", { class: "head" }, avatar, h("div", { class: "titles" }, titleEl, subtitleEl), endBtn, closeBtn),
  banner, scroller, composer);
  const root = h("div", { class: "root" }, panel, launcher);
  shadow.append(root);

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  });
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } });

  function chrome() {
    root.setAttribute("dir", dirOf(S.lang));
    root.setAttribute("lang", S.lang);
    launcher.setAttribute("aria-label", S.unread ? `${t("open")} (${t("unread", { n: S.unread })})` : t("open"));
    titleEl.textContent = cfg().brand ? t("title") : cfg().assistant;
    subtitleEl.textContent = S.mode === "human" && S.agent ? t("withAgent", { agent: S.agent }) : t("ai");
    avatar.textContent = (S.mode === "human" && S.agent ? S.agent : cfg().assistant).trim().charAt(0);
    endBtn.textContent = t("end");
    endBtn.hidden = !S.conv || S.mode === "closed";
    closeBtn.setAttribute("aria-label", t("close"));
    input.placeholder = t("placeholder");
    inputLabel.textContent = t("placeholder");
    sendBtn.setAttribute("aria-label", t("send"));
    log.setAttribute("aria-label", t("log"));
    typing.querySelector(".sr-only").textContent = t("typing");
    if (S.config && S.config.max_message_chars) input.maxLength = S.config.max_message_chars;
    renderNotice();
    renderBanner();
  }

  let noticeFor = null;
  function renderNotice() {
    const c = cfg();
    if (noticeFor === c) return; // rebuilt only when the language or the config changes
    noticeFor = c;
    const link = c.privacy_url ? h("a", { href: new URL(c.privacy_url, API + "/").href,
      target: "_blank", rel: "noopener" }, t("privacyLink")) : null;
    notice.replaceChildren(
      h("p", { class: "ai" }, c.ai_disclosure || t("fallbackAi")),
      c.privacy_warning ? h("p", {}, h("small", {}, c.privacy_warning)) : null,
      h("p", {}, h("small", {}, S.config ? t("retention", { days: S.config.retention_days }) + " " : "", link)));
    notice.setAttribute("dir", dirOf(S.lang));
  }

  function setLang(lang) {
    lang = pick(lang || S.lang);
    if (lang !== S.lang) { S.lang = lang; chrome(); }
  }

  // --- open / close -----------------------------------------------------------------------
  function open() {
    S.isOpen = true;
    panel.hidden = false;
    root.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    S.unread = 0; badge.hidden = true; chrome();
    scrollDown(true);
    input.focus();
  }
  function close() {
    S.isOpen = false;
    panel.hidden = true;
    root.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  const nearEnd = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  function scrollDown(force) {
    if (force || nearEnd()) scroller.scrollTop = scroller.scrollHeight;
  }
  // Add to the log; follow it if the reader was at the end (a tall message shows its start).
  function append(el, force) {
    const follow = force || nearEnd();
    log.append(el);
    if (!follow) return;
    const place = () => {
      scroller.scrollTop = el.offsetHeight > scroller.clientHeight - 16
        ? el.offsetTop - 8 : scroller.scrollHeight;
    };
    place();
    requestAnimationFrame(place); // again once cards and chips are in
  }
  function noteUnread() {
    if (S.isOpen) return;
    S.unread += 1;
    badge.textContent = String(S.unread);
    badge.hidden = false;
    chrome();
  }

  // --- rendering messages -------------------------------------------------------------------
  const TEXT_OF = (m) => String(m.text || "").trim();

  function bubble(role, text, lang, extra = {}) {
    const el = h("div", { class: `msg ${role}`, "data-role": role });
    if (extra.who) el.append(h("div", { class: "who", dir: dirOf(lang) }, extra.who));
    const b = h("div", { class: "bubble", dir: role === "customer" ? "auto" : dirOf(lang),
      lang: lang || null }, richText(text));
    el.append(b);
    append(el, role === "customer");
    return el;
  }

  function clearChips() {
    log.querySelectorAll(".chips").forEach((c) => {
      if (c.dataset.keep) c.querySelectorAll("button").forEach((b) => (b.disabled = true));
      else c.remove();
    });
  }

  function orderCard(o, lang, compact) {
    const status = (cfg(lang).status || {})[o.status] || o.status;
    const items = o.items || [];
    const card = h("div", { class: "card", dir: dirOf(lang), "data-order": o.order_id },
      h("div", { class: "row" }, h("bdi", { class: "id", dir: "ltr" }, o.order_id),
        h("span", { class: "status" }, status)));
    const shown = compact ? items.slice(0, 1) : items;
    card.append(h("ul", {}, shown.map((i) => h("li", {}, `${local(i.name, lang)}${i.qty > 1 ? ` × ${i.qty}` : ""}`)),
      compact && items.length > 1 ? h("li", { class: "meta" }, t("more", { n: items.length - 1 }, lang)) : null));
    if (o.total != null) card.append(h("div", { class: "row" }, h("span", {}, t("total", {}, lang)),
      h("bdi", { class: "total" }, richText(money(o.total, lang)))));
    if (!compact && o.expected_delivery && !["delivered", "cancelled", "returned", "refunded"].includes(o.status))
      card.append(h("div", { class: "meta" }, `${t("expected", {}, lang)}: `, h("bdi", {}, day(o.expected_delivery, lang))));
    if (!compact && o.tracking_number)
      card.append(h("div", { class: "meta" }, `${t("tracking", {}, lang)}: `, h("bdi", { dir: "ltr" },
        `${o.carrier ? o.carrier + " " : ""}${o.tracking_number}`)));
    if (compact) card.append(h("button", { type: "button", class: "chip",
      onclick: () => send(t("track", { id: o.order_id }, lang)) }, t("details", {}, lang)));
    return card;
  }

  // One assistant reply: text, order cards, sources, quick replies / yes-no, and its effects.
  function renderReply(r, opts = {}) {
    const lang = r.lang || S.lang;
    const d = r.data || {};
    let text = r.text || "";
    if (r.kind === "orders" && Array.isArray(d.orders) && d.orders.length)
      text = text.split("\n").filter((l) => !/^\s*[•\-*]\s/.test(l)).join("\n");
    const el = bubble("assistant", text, lang);
    el.dataset.kind = r.kind || "text";
    if (d.template) el.dataset.template = d.template;
    const b = el.querySelector(".bubble");
    if (r.kind === "order" && d.order_id) b.append(orderCard(d, lang, false));
    if (r.kind === "orders" && Array.isArray(d.orders)) d.orders.forEach((o) => b.append(orderCard(o, lang, true)));
    const seen = new Set();
    const cites = (r.citations || []).filter((c) => {
      const k = c.source + "#" + c.anchor;
      return !seen.has(k) && seen.add(k);
    });
    if (cites.length) {
      const p = h("p", { class: "sources", dir: dirOf(lang) }, t("source", {}, lang) + " ");
      cites.forEach((c, i) => {
        const url = `${API}/v1/knowledge/source?path=${encodeURIComponent(c.source)}&lang=${lang}` +
          (c.anchor ? "#" + encodeURIComponent(c.anchor) : "");
        if (i) p.append(" · ");
        p.append(h("a", { href: url, target: "_blank", rel: "noopener", title: c.source }, c.title || c.source));
      });
      el.append(p);
    }
    const quick = r.quick_replies || [];
    if (quick.length && !opts.stale) {
      const confirm = r.kind === "confirmation";
      el.append(h("div", { class: "chips", dir: dirOf(lang), "data-keep": confirm ? "1" : null,
        role: "group", "aria-label": text.slice(0, 80) },
      quick.map((q, i) => h("button", { type: "button", class: "chip" + (confirm && i === 0 ? " primary" : ""),
        onclick: () => send(q.text) }, q.label || q.text))));
    }
    if (r.kind === "handoff") {
      S.handoff = d.status === "ticket"
        ? { ticket: d.ticket_id, callback: d.callback_by }
        : { ref: d.handoff_id, minutes: d.wait_minutes };
      if (d.status !== "ticket") S.mode = "waiting_human";
      chrome();
    }
    if (d.template === "goodbye" && opts.live) showCsat();
    return el;
  }

  // A transcript message (history or the live stream).
  function renderTranscript(m, opts = {}) {
    const p = m.payload || {};
    let el;
    if (m.role === "assistant") {
      el = renderReply({ text: m.text, lang: m.language, kind: p.kind, citations: p.citations,
        quick_replies: p.quick_replies, data: p.data }, opts);
    } else if (m.role === "agent") {
      el = bubble("agent", m.text, m.language, {
        who: t("agentLabel", { agent: p.agent_name || "" }, pick(m.language || S.lang)) });
      if (p.agent_name) S.agent = p.agent_name;
    } else if (m.role === "system") {
      el = bubble("system", m.text, m.language);
      el.dataset.template = p.template || "";
      systemEffects(p, opts);
    } else {
      el = bubble("customer", m.text, m.language);
    }
    el.dataset.id = m.id;
    S.byId.set(m.id, el);
    return el;
  }

  function systemEffects(p, opts) {
    switch (p.template) {
      case "inbox.agent_joined": S.agent = p.agent_name || S.agent; S.mode = "human"; break;
      case "inbox.transferred": S.agent = null; S.mode = "waiting_human"; S.handoff = { transferring: true }; break;
      case "inbox.handback": S.agent = null; S.handoff = null; S.mode = "assistant"; break;
      case "inbox.resolved": S.agent = null; S.handoff = null; S.mode = "closed";
        if (opts.live) showCsat();
        break;
      default: return;
    }
    chrome();
  }

  function renderBanner() {
    const hd = S.handoff || {};
    let cls = "", text = "";
    if (S.mode === "human" && S.agent) { cls = "joined"; text = t("joined", { agent: S.agent }); }
    else if (S.mode === "waiting_human") {
      text = hd.transferring ? t("transferring")
        : hd.minutes != null ? t("waiting", { minutes: hd.minutes }) : t("waitingSoon");
      if (hd.ref) text += " " + t("ref", { ref: hd.ref });
    } else if (S.mode === "assistant" && hd.ticket) {
      cls = "ticket"; text = t("ticket", { ticket: hd.ticket, callback: when(hd.callback, S.lang) });
    }
    banner.hidden = !text;
    banner.className = "banner " + cls;
    banner.replaceChildren(h("span", { class: "icon", "aria-hidden": "true" }, svg(ICONS[cls || "waiting"])),
      h("span", {}, richText(text)));
  }

  function applyMode(mode) {
    if (!mode || mode === S.mode) return;
    S.mode = mode;
    if (mode === "assistant" && S.handoff && !S.handoff.ticket) S.handoff = null;
    if (mode !== "human") S.agent = mode === "waiting_human" ? null : S.agent;
    chrome();
  }

  // --- de-duplication between the POST stream and the live stream -------------------------------
  function onLiveMessage(m) {
    if (S.byId.has(m.id)) return;
    S.lastId = Math.max(S.lastId, m.id);
    const text = TEXT_OF(m);
    const i = S.pending.findIndex((p) => p.role === m.role && p.text === text);
    if (i >= 0) { // shown already from the POST: now it has its transcript id
      const [p] = S.pending.splice(i, 1);
      p.el.dataset.id = m.id;
      p.el.classList.remove("pending", "failed");
      const alert = p.el.querySelector(".alert");
      if (alert) alert.remove();
      S.byId.set(m.id, p.el);
      return;
    }
    renderTranscript(m, { live: true });
    if (m.role === "assistant" && S.inflight) S.unclaimed.push({ text });
    if (m.role !== "customer") noteUnread();
  }

  function onPostReply(r) {
    const text = TEXT_OF(r);
    const i = S.unclaimed.findIndex((u) => u.text === text);
    if (i >= 0) { S.unclaimed.splice(i, 1); return; } // the live stream showed it first
    const el = renderReply(r, { live: true });
    el.classList.add("pending");
    S.pending.push({ role: "assistant", text, el });
  }

  // --- talking to the API -----------------------------------------------------------------
  // Every call about the conversation carries its secret: the id alone opens nothing.
  function call(path, init = {}, conv = S.conv) {
    const url = `${API}/v1/conversations/${encodeURIComponent(conv.id)}${path ? "/" + path : ""}`;
    const headers = Object.assign({}, init.headers, { Authorization: `Bearer ${conv.secret}` });
    return fetch(url, Object.assign({}, init, { headers }));
  }
  // 404: the server lost it (a reset); 401: the secret no longer opens it (kept from before).
  const gone = (r) => r.status === 404 || r.status === 401;

  async function startConversation() {
    const body = { channel: "web", locale: PAGE_LANG };
    if (TOKEN) body.customer_token = TOKEN;
    const post = (b) => fetch(`${API}/v1/conversations`, { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
    let r = await post(body);
    if (r.status === 401 && TOKEN) { // an expired sign-in: carry on as a guest
      console.warn("Rawaf chat: the customer token was refused; continuing without it");
      delete body.customer_token;
      r = await post(body);
    }
    if (!r.ok) throw new Error(`could not start a conversation (${r.status})`);
    const c = await r.json();
    S.conv = { id: c.id, secret: c.secret };
    S.mode = c.mode; S.lastId = 0; S.rated = false;
    save(); chrome();
    connectLive();
  }

  function submit() {
    const text = input.value.trim();
    if (!text) return;
    input.value = ""; input.style.height = "auto";
    send(text);
  }

  // One id per message, kept across a retry: the server answers a retried message once.
  const newMessageId = () => (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

  async function send(text, isRetry, messageId) {
    text = String(text).trim();
    if (!text) return;
    clearChips();
    const el = bubble("customer", text, null);
    el.classList.add("pending");
    const mine = { role: "customer", text, el, id: messageId || newMessageId() };
    S.pending.push(mine);
    S.inflight += 1;
    typing.hidden = false; scrollDown(true);
    let stream = null;
    try {
      if (!S.conv) await startConversation();
      const body = { text, client_message_id: mine.id };
      if (S.sendLocale) body.locale = PAGE_LANG;
      const r = await call("messages", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
      });
      if (gone(r) && !isRetry) { // the conversation is gone (a reset server): start over
        forget(mine); startOver(true);
        return send(text, true);  // a new conversation: a new message id too
      }
      if (!r.ok) { // refused: nothing was stored
        const problem = await r.json().catch(() => ({}));
        const detail = [].concat(problem.detail || problem.error || r.status).join(" ");
        return failed(mine, r.status === 413 ? t("tooLong") : detail, false);
      }
      S.sendLocale = false; save();
      await readEvents(r.body, (event, d) => {
        if (event === "delta") {
          typing.hidden = true;
          if (!stream) stream = bubble("assistant", "", S.lang);
          stream.querySelector(".bubble").append(d.text || "");
          scrollDown();
        } else if (event === "message") {
          typing.hidden = true;
          if (stream) { stream.remove(); stream = null; }
          onPostReply(d);
        } else if (event === "done") {
          setLang(d.language);
          applyMode(d.mode);
        }
      });
    } catch (e) {
      failed(mine, t("failed"), true);
    } finally {
      if (stream) stream.remove();
      S.inflight -= 1;
      if (!S.inflight) { typing.hidden = true; S.unclaimed = []; }
    }
  }

  function forget(p) {
    const i = S.pending.indexOf(p);
    if (i >= 0) S.pending.splice(i, 1);
    p.el.remove();
  }

  // A message that did not go through. After a network error it may still have been stored,
  // so it stays matchable: if its transcript copy arrives, the warning goes away.
  function failed(p, message, canRetry) {
    if (!canRetry) { const i = S.pending.indexOf(p); if (i >= 0) S.pending.splice(i, 1); }
    p.el.classList.remove("pending");
    p.el.classList.add("failed");
    p.el.append(h("div", { class: "sources alert", role: "alert" }, message + " ",
      canRetry ? h("button", { type: "button", class: "chip retry",
        onclick: () => { forget(p); send(p.text, false, p.id); } }, t("retry")) : null));
  }

  // Server-sent events from a fetch body (the POST): calls on(event, data) for each.
  async function readEvents(body, on) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
      buffer = done ? "" : blocks.pop();
      for (const block of blocks) {
        let event = "message", dataLines = [];
        for (const line of block.split(/\r\n|\n|\r/)) {
          if (line.startsWith(":")) continue;
          const [field, ...rest] = line.split(":");
          const v = rest.join(":").replace(/^ /, "");
          if (field === "event") event = v;
          else if (field === "data") dataLines.push(v);
        }
        if (dataLines.length) on(event, JSON.parse(dataLines.join("\n")));
      }
      if (done) return;
    }
  }

  // The live stream: people's messages, system notices and mode changes, with replay.
  // EventSource cannot send the secret, so the stream opens with a short-lived token for it.
  async function connectLive() {
    if (!S.conv) return;
    const conv = S.conv;
    let token = null;
    try {
      const r = await call("stream-token", { method: "POST" });
      if (gone(r)) return startOver(true);
      if (r.ok) token = (await r.json()).token;
    } catch (e) { /* down: retried below */ }
    if (S.conv !== conv) return; // started over meanwhile
    if (!token) return scheduleReconnect();
    if (S.es) S.es.close();
    const es = new EventSource(`${API}/v1/conversations/${encodeURIComponent(conv.id)}/events?after=${S.lastId}&token=${encodeURIComponent(token)}`);
    S.es = es;
    es.addEventListener("state", (e) => {
      const d = JSON.parse(e.data);
      applyMode(d.mode);
      if (!S.sendLocale && !S.inflight) setLang(d.language);
    });
    es.addEventListener("message", (e) => onLiveMessage(JSON.parse(e.data)));
    es.addEventListener("mode", (e) => applyMode(JSON.parse(e.data).mode));
    es.addEventListener("handoff", () => applyMode("waiting_human"));
    es.onopen = () => { S.retry = 0; clearTimeout(S.offlineTimer); S.offlineTimer = null; offline(false); };
    es.onerror = () => {
      if (es !== S.es) return;
      // EventSource retries by itself (sending Last-Event-ID); say so if it takes a while.
      if (!S.offlineTimer) S.offlineTimer = setTimeout(() => offline(true), 2500);
      if (es.readyState === EventSource.CLOSED) scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    clearTimeout(S.retryTimer);
    const delay = Math.min(30000, 1000 * 2 ** S.retry++);
    S.retryTimer = setTimeout(async () => {
      if (!S.conv) return;
      connectLive(); // a server that lost the conversation: it starts over
    }, delay);
  }

  let offlineNote = null;
  function offline(on) {
    if (on && !offlineNote) {
      offlineNote = h("div", { class: "msg system", role: "status" }, h("div", { class: "bubble" }, t("reconnecting")));
      scroller.append(offlineNote);
    } else if (!on && offlineNote) { offlineNote.remove(); offlineNote = null; }
  }

  window.addEventListener("online", () => { if (S.conv) connectLive(); });

  function startOver(explain) {
    if (S.es) S.es.close();
    S.es = null; S.conv = null; S.lastId = 0; S.byId.clear(); S.pending = []; S.unclaimed = [];
    S.mode = "assistant"; S.handoff = null; S.agent = null; S.rated = false; S.csatEl = null;
    log.replaceChildren();
    save(); chrome();
    if (explain) log.append(h("div", { class: "msg system" }, h("div", { class: "bubble" }, t("fresh"))));
  }

  async function endChat() {
    if (!S.conv) return;
    try {
      const r = await call("end", { method: "POST" });
      if (!r.ok) throw new Error(String(r.status));
    } catch (e) { return; }
    S.handoff = null; S.agent = null;
    applyMode("closed");
    bubble("system", t("ended"), S.lang);
    showCsat(true);
  }

  // --- the rating ---------------------------------------------------------------------------
  let csatCount = 0;
  function showCsat(focus) {
    if (S.rated || S.csatEl || !S.conv) return;
    const n = ++csatCount;
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const comment = h("textarea", { id: `rw-c${n}`, maxlength: "1000", rows: "2" });
    const radios = [1, 2, 3, 4, 5].map((v) => h("label", {},
      h("input", { type: "radio", name: `rw-score${n}`, value: String(v),
        "aria-label": t("csatN", { n: v }) + (v === 1 ? ` (${t("csatLow")})` : v === 5 ? ` (${t("csatHigh")})` : "") }),
      h("span", { class: "n", "aria-hidden": "true" }, String(v))));
    const form = h("form", { class: "csat", dir: dirOf(S.lang), lang: S.lang },
      h("fieldset", {}, h("legend", {}, t("csatQ")), h("div", { class: "scale" }, radios),
        h("div", { class: "ends", "aria-hidden": "true" }, h("span", {}, t("csatLow")), h("span", {}, t("csatHigh")))),
      h("label", { for: `rw-c${n}`, class: "sources" }, t("csatComment")), comment,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "chip primary" }, t("csatSend")),
        h("button", { type: "button", class: "chip", onclick: () => { form.remove(); S.csatEl = null; input.focus(); } },
          t("csatSkip"))),
      error);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const chosen = form.querySelector("input[type=radio]:checked");
      if (!chosen) { error.textContent = t("csatPick"); error.hidden = false; return; }
      try {
        const r = await call("csat", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ score: Number(chosen.value), comment: comment.value.trim() || null }),
        });
        if (!r.ok && r.status !== 409) {
          const p = await r.json().catch(() => ({}));
          error.textContent = (p.detail || [p.error || r.status]).join(" ");
          error.hidden = false;
          return;
        }
      } catch (err) { error.textContent = t("failed"); error.hidden = false; return; }
      S.rated = true;
      const thanks = h("div", { class: "msg system", role: "status" }, h("div", { class: "bubble" }, t("csatThanks")));
      form.replaceWith(thanks);
      S.csatEl = null;
      input.focus();
    });
    S.csatEl = form;
    append(form, true);
    if (focus) form.querySelector("input[type=radio]").focus();
  }

  // --- start-up -------------------------------------------------------------------------------
  async function loadConfig() {
    try {
      const r = await fetch(`${API}/v1/widget/config`);
      if (r.ok) S.config = await r.json();
    } catch (e) { /* the widget works without it, with generic wording */ }
    chrome();
  }

  async function restore(attempt = 0) {
    const saved = load();
    if (S.conv || !saved || !saved.id) return; // nothing kept, or a new conversation began
    if ((saved.customer || null) !== CUSTOMER) { save(); return; } // someone else's, or signed out
    if (!saved.secret) { save(); return; } // kept by an older widget: it cannot be opened
    let r = null;
    try { r = await call("", {}, saved); } catch (e) { /* down */ }
    if (S.conv) return;
    if (!r || r.status >= 500) { // the server is unreachable for now: try again later
      setTimeout(() => restore(attempt + 1), Math.min(30000, 2000 * 2 ** attempt));
      return;
    }
    if (!r.ok) { save(); return; } // 404 gone, 401 not ours: a new one starts with the next message
    const conv = await r.json();
    S.conv = { id: conv.id, secret: saved.secret };
    S.mode = conv.mode;
    if (saved.pageLang !== PAGE_LANG) S.sendLocale = true; // the page's language changed
    else if (conv.language) S.lang = pick(conv.language);
    const msgs = conv.messages || [];
    msgs.forEach((m, i) => renderTranscript(m, { stale: i < msgs.length - 1 }));
    S.lastId = msgs.reduce((a, m) => Math.max(a, m.id), 0);
    S.mode = conv.mode;
    chrome();
    const last = msgs[msgs.length - 1];
    const ended = last && ((last.payload || {}).template === "inbox.resolved" ||
      ((last.payload || {}).data || {}).template === "goodbye");
    if (ended || conv.mode === "closed") {
      const c = await call("csat").then((x) => x.json()).catch(() => null);
      S.rated = Boolean(c && c.rating);
      if (ended && !S.rated) showCsat();
    }
    connectLive();
  }

  function mount() {
    document.body.append(host);
    chrome();
    loadConfig();
    restore();
  }

  window.RawafChat = {
    open, close,
    toggle: () => (S.isOpen ? close() : open()),
    send: (text) => send(text),
    get conversationId() { return S.conv && S.conv.id; },
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
