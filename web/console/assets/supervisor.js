// The supervisor's dashboard: the queue right now (live) and one day's measures, each as a
// number and a small chart. Definitions: tools/metrics.py (and the README).
import { api, stream } from "./api.js";
import { bars, columns, dots, stack } from "./charts.js";
import { day as formatDay, duration, label, lang, number, onLang, percent, t } from "./i18n.js";
import { boot, liveIndicator } from "./shell.js";

const $ = (id) => document.getElementById(id);
const me = await boot();
let data = null;
let pending;

const rtl = () => lang() === "ar";
const pct = (rate) => (rate.value === null ? "–" : percent(rate.value));

function show(id, text) { $(id).textContent = text; }
function chart(id, svg) { $(id).replaceChildren(svg); }

function render() {
  if (!data) return;
  const m = data;
  show("m-open", number(m.live.open));
  show("m-waiting", number(m.live.waiting));
  show("m-breaching", number(m.live.breaching));
  $("m-breaching").closest(".card").classList.toggle("on", m.live.breaching > 0);
  show("day-title", t("sup.dayTitle", { day: formatDay(`${m.day}T12:00:00`), zone: m.timezone }));

  const hours = m.hourly.map((b) => String(b.hour).padStart(2, "0"));
  const conv = m.hourly.map((b) => b.conversations);
  const hand = m.hourly.map((b) => b.handoffs);
  const busiest = conv.indexOf(Math.max(...conv));
  chart("c-hourly", columns({
    labels: hours, rtl: rtl(),
    series: [{ label: t("sup.hourly.conversations"), values: conv, cls: "s-main" },
             { label: t("sup.hourly.handoffs"), values: hand, cls: "s-alt" }],
    label: t("sup.hourly.label", { c: m.conversations, h: hand.reduce((a, b) => a + b, 0),
                                   hour: hours[busiest] }),
  }));

  show("m-containment", pct(m.containment));
  show("s-containment", t("sup.of", { a: m.containment.numerator, b: m.containment.denominator }));
  chart("c-containment", stack({
    rtl: rtl(), label: `${t("sup.containment")}: ${pct(m.containment)}`,
    parts: [{ label: t("sup.contained"), value: m.containment.numerator, cls: "s-good" },
            { label: t("sup.escalated"), value: m.escalated, cls: "s-alt" }],
  }));

  show("m-escalation", pct(m.escalation));
  show("s-escalation", `${t("sup.of", { a: m.escalation.numerator, b: m.escalation.denominator })}`
       + (m.callbacks ? ` · ${t("sup.callbacks", { n: m.callbacks })}` : ""));
  const reasons = m.reasons.map((r) => ({ label: label("rule", r.rule_id), value: r.count }));
  chart("c-reasons", reasons.length
    ? bars({ items: reasons, rtl: rtl(), cls: "s-alt",
             label: reasons.map((r) => `${r.label}: ${r.value}`).join("; ") })
    : Object.assign(document.createElement("p"), { textContent: t("sup.reasons.none") }));

  const c = m.csat;
  show("m-csat", c.average === null ? "–" : `${number(c.average, 2)} / 5`);
  show("s-csat", c.responses ? t("sup.csat.sub", { n: c.responses, share: percent(c.satisfied_share) })
    : t("sup.csat.none"));
  const scores = [5, 4, 3, 2, 1].map((s) => ({
    label: t("sup.score", { s }), value: c.distribution[s] ?? 0, cls: s >= 4 ? "s-good" : s === 3 ? "s-main" : "s-bad" }));
  chart("c-csat", bars({ items: scores, rtl: rtl(),
                         label: scores.map((s) => `${s.label}: ${s.value}`).join("; ") }));

  const f = m.fcr;
  show("m-fcr", pct(f.rate));
  show("s-fcr", t("sup.fcr.sub", { a: f.rate.numerator, b: f.rate.denominator,
                                   t: f.transferred, r: f.reopened })
       + (f.provisional ? ` · ${t("sup.provisional")}` : ""));
  chart("c-fcr", stack({
    rtl: rtl(), label: `${t("sup.fcr")}: ${pct(f.rate)}`,
    parts: [{ label: t("sup.first"), value: f.rate.numerator, cls: "s-good" },
            { label: t("sup.transferred"), value: f.transferred, cls: "s-main" },
            { label: t("sup.reopened"), value: f.reopened, cls: "s-bad" }],
  }));

  const r = m.first_response;
  show("m-frt", r.median_minutes === null ? "–" : duration(r.median_minutes));
  show("s-frt", t("sup.frt.sub", { a: r.answered, u: r.unanswered }));
  chart("c-frt", dots({ values: r.minutes, median: r.median_minutes, rtl: rtl(),
                        format: (v) => duration(v),
                        label: `${t("sup.frt")}: ${r.median_minutes === null ? "–" : duration(r.median_minutes)}` }));
}

async function load() {
  const day = $("day").value;
  try {
    data = await api(`/v1/supervisor/metrics${day ? `?day=${day}` : ""}`);
    if (!day) $("day").value = data.day;
    render();
  } catch (err) {
    show("day-title", t("error.generic", { detail: err.message }));
  }
}

function reload() {
  clearTimeout(pending);
  pending = setTimeout(load, 300);
}

$("day-form").addEventListener("submit", (ev) => { ev.preventDefault(); load(); });
$("day").addEventListener("change", load);
onLang(render);
await load();
const setLive = liveIndicator($("live"));
// Any queue change moves the live counts (and today's figures): reload, at most every 300 ms.
stream("/v1/inbox/events", Object.fromEntries(
  ["ready", "handoff", "claimed", "transferred", "resolved", "returned"]
    .map((type) => [type, reload])), setLive);
setInterval(load, 30000); // SLA deadlines pass without any event
