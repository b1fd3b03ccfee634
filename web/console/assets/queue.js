// The queue: most urgent first, then nearest SLA deadline (the API's order), with filters and
// clocks that tick between reloads.
import { api, post } from "./api.js";
import { duration, label, lang, onLang, t } from "./i18n.js";

const TICK_MS = 15000;

export function timing(item, now = Date.now()) {
  if (item.status === "queued") {
    const waiting = (now - Date.parse(item.created_at)) / 60000;
    const left = (Date.parse(item.sla_due_at) - now) / 60000;
    return {
      wait: t("time.waiting", { m: duration(waiting) }),
      sla: left >= 0 ? t("time.left", { m: duration(left) })
        : t("time.breached", { m: duration(-left) }),
      breached: left < 0,
      soon: left >= 0 && left < Math.min(5, item.sla_minutes / 3),
    };
  }
  return {
    wait: t("time.waited", { m: duration(item.waiting_minutes) }),
    sla: t(item.sla_breached ? "time.late" : "time.met"),
    breached: item.sla_breached,
    soon: false,
  };
}

export function statusText(item, me) {
  if (item.status !== "claimed") return t(`status.${item.status}`);
  return item.assigned_to === me.username ? t("status.claimed.me")
    : t("status.claimed", { agent: item.assigned_to });
}

export class Queue {
  constructor(me, options, { onOpen, onError }) {
    this.me = me;
    this.onOpen = onOpen;
    this.onError = onError;
    this.items = [];
    this.selected = null;
    this.fresh = new Set(); // conversations with a customer message not yet seen
    this.list = document.getElementById("queue-list");
    this.count = document.getElementById("queue-count");
    this.form = document.getElementById("filters");
    this.template = document.getElementById("queue-item");
    const skill = this.form.skill;
    for (const name of options.skills) skill.append(new Option(label("skill", name), name));
    this.form.addEventListener("change", () => this.reload());
    onLang(() => {
      for (const opt of skill.options) if (opt.value) opt.textContent = label("skill", opt.value);
      this.reload();
    });
    setInterval(() => this.render(), TICK_MS);
  }

  reload() {
    // Events can come in bursts: one request for a burst.
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.fetch(), 120);
  }

  async fetch() {
    const params = new URLSearchParams({ lang: lang() });
    const { language, skill, mine } = this.form;
    if (language.value) params.set("language", language.value);
    if (skill.value) params.set("skill", skill.value);
    if (mine.checked) params.set("mine", "true");
    try {
      this.items = (await api(`/v1/inbox?${params}`)).items;
      this.render();
    } catch (err) {
      this.onError(err);
    }
  }

  select(id) {
    this.selected = id;
    this.render();
  }

  markNew(conversationId) {
    this.fresh.add(conversationId);
    this.render();
  }

  seen(conversationId) {
    this.fresh.delete(conversationId);
  }

  render() {
    this.count.textContent = t("queue.count", { n: this.items.length });
    if (!this.items.length) {
      const empty = document.createElement("li");
      empty.className = "queue-empty";
      empty.textContent = t("queue.empty");
      this.list.replaceChildren(empty);
      return;
    }
    this.list.replaceChildren(...this.items.map((item) => this.row(item)));
  }

  row(item) {
    const li = this.template.content.firstElementChild.cloneNode(true);
    const time = timing(item);
    li.dataset.id = item.id;
    li.classList.add(`prio-${item.priority}`, `status-${item.status}`);
    li.classList.toggle("breached", time.breached);
    li.classList.toggle("has-new", this.fresh.has(item.conversation_id));
    const open = li.querySelector(".qopen");
    if (item.id === this.selected) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => this.onOpen(item.id));
    li.querySelector(".prio").textContent = t(`priority.${item.priority}`);
    li.querySelector(".prio").classList.add(`prio-${item.priority}`);
    const langBadge = li.querySelector(".lang");
    langBadge.textContent = t(`language.${item.language}`);
    li.querySelector(".skill").textContent = label("skill", item.skill);
    const summary = li.querySelector(".qsummary");
    summary.textContent = item.summary;
    li.querySelector(".qwait").textContent = time.wait;
    const sla = li.querySelector(".qsla");
    sla.textContent = time.sla;
    sla.classList.toggle("breached", time.breached);
    sla.classList.toggle("soon", time.soon);
    li.querySelector(".qstatus").textContent = statusText(item, this.me)
      + (this.fresh.has(item.conversation_id) ? ` · ${t("conv.new")}` : "");
    const claim = li.querySelector(".claim");
    claim.textContent = t("action.claim");
    claim.hidden = item.status !== "queued";
    claim.setAttribute("aria-label", `${t("action.claim")}: ${item.id}`);
    claim.addEventListener("click", () => this.claim(item.id, claim));
    return li;
  }

  async claim(id, button) {
    button.disabled = true;
    try {
      await post(`/v1/inbox/${encodeURIComponent(id)}/claim`);
      this.onOpen(id, { claimed: true });
    } catch (err) {
      this.onError(err);
    } finally {
      button.disabled = false;
      this.reload();
    }
  }
}
