// One handoff: the packet on top, the live transcript, the customer and their orders, notes,
// and what the agent can do (claim, reply, resolve, transfer, hand back).
import { api, post } from "./api.js";
import { trajectory } from "./charts.js";
import { clock, day, label, lang, number, onLang, t, textDir, translate, tried } from "./i18n.js";
import { timing, statusText } from "./queue.js";

function make(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// Words someone wrote: their own direction and language, whatever the console's.
function written(tag, text, language) {
  const dir = textDir(text);
  const node = make(tag, text, { dir });
  const guess = dir === "rtl" ? "ar" : dir === "ltr" ? "en" : null;
  if (language || guess) node.lang = language || guess;
  return node;
}

export class ConversationView {
  constructor(section, me, options, { onChange, onError, onDone }) {
    Object.assign(this, { section, me, options, onChange, onError, onDone });
    this.handoffId = null;
    this.detail = null;
    this.root = null;
    onLang(() => this.root && this.render());
  }

  get conversationId() {
    return this.detail?.handoff.conversation_id ?? null;
  }

  get handoff() {
    return this.detail?.handoff;
  }

  mine() {
    const h = this.handoff;
    return h?.status === "claimed" && h.assigned_to === this.me.username;
  }

  canAct() {
    const h = this.handoff;
    const open = h && (h.status === "queued" || h.status === "claimed");
    return Boolean(open && (this.mine() || ["supervisor", "admin"].includes(this.me.role)));
  }

  async open(id) {
    if (id !== this.handoffId || !this.root) this.build();
    this.handoffId = id;
    await this.reload();
    this.section.querySelector("#conv-title")?.focus();
  }

  async reload() {
    if (!this.handoffId) return;
    try {
      this.detail = await api(`/v1/inbox/${encodeURIComponent(this.handoffId)}`);
      this.render();
    } catch (err) {
      this.onError(err);
    }
  }

  build() {
    const view = document.getElementById("conversation-view").content.cloneNode(true);
    this.section.replaceChildren(view);
    this.root = this.section;
    translate(this.root);
    const $ = (sel) => this.root.querySelector(sel);
    $("#conv-title").tabIndex = -1;
    for (const button of this.root.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => this.act(button.dataset.action, button));
    }
    const skill = $(".transfer-form").skill;
    for (const name of this.options.skills) skill.append(new Option(label("skill", name), name));
    $(".transfer-form").addEventListener("submit", (ev) => this.transfer(ev));
    $(".reply-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.reply(); });
    $("#reply-text").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); this.reply(); }
    });
    $(".use-suggested").addEventListener("click", () => {
      const box = $("#reply-text");
      box.value = this.suggested();
      box.dir = textDir(box.value);
      box.focus();
    });
    $(".note-form").addEventListener("submit", (ev) => { ev.preventDefault(); this.note(); });
    if (["supervisor", "admin"].includes(this.me.role)) {
      api("/v1/agents").then((agents) => {
        $("#agent-names").replaceChildren(...agents.filter((a) => a.active)
          .map((a) => make("option", null, { value: a.username })));
      }).catch(() => {});
    }
  }

  suggested() {
    const d = this.detail;
    const customerLang = d.conversation.language || d.handoff.language;
    const name = this.me.display_name[customerLang] || this.me.display_name.en;
    return (d.packet?.suggested_reply || "").replaceAll("{agent}", name);
  }

  render() {
    const d = this.detail;
    if (!d) return;
    const $ = (sel) => this.root.querySelector(sel);
    for (const opt of $(".transfer-form").skill.options) {
      if (opt.value) opt.textContent = label("skill", opt.value);
    }
    this.renderHead($);
    this.renderPacket($);
    this.renderTranscript($);
    this.renderCustomer($);
    this.renderNotes($);
  }

  renderHead($) {
    const h = this.handoff;
    const customer = this.detail.customer;
    $("#conv-title").textContent = t("conv.title", {
      name: customer ? customer.name[lang()] : t("conv.anonymous"), id: h.id });
    const prio = $(".conv-tags .prio");
    prio.className = `badge prio prio-${h.priority}`;
    prio.textContent = t(`priority.${h.priority}`);
    $(".conv-tags .state").textContent = `${statusText(h, this.me)} · ${label("skill", h.skill)}`;
    const time = timing(h);
    const sla = $(".conv-sla");
    sla.textContent = `${time.wait} · ${time.sla}`;
    sla.classList.toggle("breached", time.breached);
    $('[data-action="claim"]').hidden = h.status !== "queued";
    for (const action of ["resolve", "handback"]) {
      $(`[data-action="${action}"]`).hidden = !this.canAct();
    }
    $(".transfer").hidden = !this.canAct();
    const box = $("#reply-text");
    const send = $(".reply-form button[type=submit]");
    send.disabled = !this.mine();
    $("#reply-hint").textContent = this.mine() ? t("reply.hint")
      : h.status === "queued" ? t("reply.locked")
        : h.status === "claimed" ? t("reply.other", { agent: h.assigned_to }) : t("reply.closed");
    box.setAttribute("aria-disabled", String(!this.mine()));
  }

  renderPacket($) {
    const p = this.detail.packet;
    $(".summary").textContent = p ? p.summary[lang()] : t("packet.missing");
    const suggestion = p?.suggested_reply ? this.suggested() : "";
    const quote = $(".suggested-text");
    quote.replaceChildren(written("span", suggestion || t("packet.none")));
    $(".use-suggested").disabled = !suggestion;
    const rules = (p?.fired_rules || []).map((r) => {
      const li = make("li");
      li.append(make("strong", label("rule", r.rule_id)), " ");
      li.append(make("code", r.rule_id, { dir: "ltr", lang: "en" }));
      const why = make("ul", null, { class: "reasons" });
      for (const reason of r.reasons) why.append(make("li", reason, { dir: "ltr", lang: "en" }));
      li.append(why);
      return li;
    });
    $(".rules").replaceChildren(...(rules.length ? rules : [make("li", t("packet.none"))]));
    const done = (p?.tried || []).map((x) => make("li", tried(x)));
    $(".tried").replaceChildren(...(done.length ? done : [make("li", t("packet.none"))]));
    const points = (p?.trajectory || []).map((s) => ({
      score: s.frustration, level: s.level, intent: s.intent }));
    const text = points.map((s, i) => `${i + 1}: ${t(`level.${s.level}`)} (${s.score})`).join("، ");
    const chart = $(".trajectory .chart");
    chart.replaceChildren(points.length ? trajectory({
      points, rtl: lang() === "ar", levelName: (l) => t(`level.${l}`),
      label: t("packet.trajectory.label", { points: text }),
    }) : make("p", t("packet.none")));
  }

  renderTranscript($) {
    const list = $(".messages");
    list.replaceChildren(...this.detail.transcript.map((m) => this.message(m)));
    list.scrollTop = list.scrollHeight;
  }

  message(m) {
    const li = make("li", null, { class: `msg role-${m.role}` });
    li.dataset.id = m.id;
    const who = m.role === "agent"
      ? t("role.agent.named", { name: m.payload?.agent_name || "" }) : t(`role.${m.role}`);
    const meta = make("p", null, { class: "who" });
    meta.append(make("span", who), " · ", make("time", clock(m.created_at), { datetime: m.created_at }));
    li.append(meta, written("p", m.text, m.language));
    return li;
  }

  addMessage(m) {
    if (!this.detail || !this.root) return;
    if (this.detail.transcript.some((x) => x.id === m.id)) return;
    this.detail.transcript.push(m);
    const list = this.root.querySelector(".messages");
    list.append(this.message(m));
    list.scrollTop = list.scrollHeight;
  }

  renderCustomer($) {
    const c = this.detail.customer;
    const facts = $(".facts");
    if (!c) {
      facts.replaceChildren(make("p", t("customer.none")));
    } else {
      const rows = [
        ["customer.name", c.name[lang()]], ["customer.tier", label("tier", c.tier)],
        ["customer.email", c.email, "ltr"], ["customer.phone", c.phone, "ltr"],
        ["customer.city", c.city[lang()]], ["customer.language", t(`language.${c.language}`)],
        ["customer.since", c.created_at],
      ];
      facts.replaceChildren(...rows.flatMap(([key, value, dir]) => [
        make("dt", t(key)), make("dd", value, dir ? { dir } : {})]));
      if (c.notes?.length) {
        const list = make("ul", null, { class: "crm-notes" });
        for (const n of c.notes) list.append(written("li", `${n.date}: ${n.text}`));
        const dd = make("dd", null, { class: "wide" });
        dd.append(list);
        facts.append(make("dt", t("customer.notes"), { class: "wide" }), dd);
      }
    }
    const orders = this.detail.orders.map((o) => {
      const li = make("li", null, { class: "order" });
      const head = make("p", null, { class: "order-head" });
      head.append(make("strong", o.id, { dir: "ltr" }), " ",
                  make("span", label("order", o.status), { class: `badge order-${o.status}` }));
      const items = o.items.map((i) => `${i.name[lang()]} × ${i.qty}`).join("، ");
      li.append(head, make("p", items),
                make("p", `${t("order.total", { total: number(o.total, 2) })} · ${day(o.created_at)}`,
                     { class: "muted" }));
      return li;
    });
    $(".order-list").replaceChildren(...(orders.length ? orders : [make("li", t("orders.none"))]));
  }

  renderNotes($) {
    const notes = this.detail.notes.map((n) => {
      const li = make("li", null, { class: "note" });
      const meta = make("p", null, { class: "who" });
      meta.append(make("span", n.author, { dir: "ltr" }), " · ",
                  make("time", clock(n.created_at), { datetime: n.created_at }));
      li.append(meta, written("p", n.text));
      return li;
    });
    $(".note-list").replaceChildren(...(notes.length ? notes : [make("li", t("notes.empty"), { class: "muted" })]));
  }

  async act(action, button) {
    button.disabled = true;
    try {
      await post(`/v1/inbox/${encodeURIComponent(this.handoffId)}/${action}`);
      this.onDone(t(`done.${action}`));
      await this.reload();
      if (action === "claim") this.root.querySelector("#reply-text").focus();
    } catch (err) {
      this.onError(err);
      await this.reload();
    } finally {
      button.disabled = false;
      this.onChange();
    }
  }

  async transfer(ev) {
    ev.preventDefault();
    const form = ev.target;
    const body = {};
    if (form.skill.value) body.skill = form.skill.value;
    if (form.agent.value.trim()) body.agent_username = form.agent.value.trim();
    if (!body.skill && !body.agent_username) {
      this.onError(new Error(t("transfer.missing")));
      form.skill.focus();
      return;
    }
    try {
      await post(`/v1/inbox/${encodeURIComponent(this.handoffId)}/transfer`, body);
      this.onDone(t("done.transfer"));
      form.reset();
      form.closest("details").open = false;
      await this.reload();
    } catch (err) {
      this.onError(err);
    } finally {
      this.onChange();
    }
  }

  async reply() {
    const box = this.root.querySelector("#reply-text");
    const text = box.value.trim();
    if (!text || !this.mine()) return;
    const send = this.root.querySelector(".reply-form button[type=submit]");
    send.disabled = true;
    try {
      const out = await post(`/v1/inbox/${encodeURIComponent(this.handoffId)}/reply`, { text });
      box.value = "";
      this.addMessage(out.message);
    } catch (err) {
      this.onError(err);
    } finally {
      send.disabled = !this.mine();
      box.focus();
    }
  }

  async note() {
    const box = this.root.querySelector("#note-text");
    const text = box.value.trim();
    if (!text) return;
    try {
      const out = await post(`/v1/inbox/${encodeURIComponent(this.handoffId)}/note`, { text });
      box.value = "";
      if (!this.detail.notes.some((n) => n.id === out.note.id)) this.detail.notes.push(out.note);
      this.renderNotes((sel) => this.root.querySelector(sel));
      this.onDone(t("done.note"));
    } catch (err) {
      this.onError(err);
    }
  }
}
