// What every signed-in page shares: who is signed in, the language toggle, log out, live dot.
import { api, post } from "./api.js";
import { lang, onLang, other, setLang, t } from "./i18n.js";

const key = (me) => `cx.console.lang.${me.username}`;

export async function boot() {
  const me = await api("/v1/agent/me");
  const saved = localStorage.getItem(key(me));
  setLang(saved === "ar" || saved === "en" ? saved : me.ui_language);
  const toggle = document.getElementById("lang-toggle");
  const paint = () => {
    toggle.textContent = t("lang.switch");
    toggle.lang = other();
    toggle.setAttribute("aria-label", t("lang.switch.label"));
    document.getElementById("me").textContent = t("me", {
      name: me.display_name[lang()], role: t(`role.${me.role}`) });
  };
  paint();
  onLang(paint);
  toggle.addEventListener("click", () => {
    localStorage.setItem(key(me), other());
    setLang(other());
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await post("/v1/agent/logout").catch(() => {});
    location.assign("/console/login?bye=1");
  });
  const sup = document.getElementById("nav-supervisor");
  if (sup) sup.hidden = !["supervisor", "admin"].includes(me.role);
  return me;
}

export function liveIndicator(el) {
  let up = false;
  const paint = () => {
    el.textContent = t(up ? "live.on" : "live.off");
    el.classList.toggle("down", !up);
  };
  onLang(paint);
  paint();
  return (state) => { up = state; paint(); };
}

let timer;
export function toast(message, kind = "ok") {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.className = `toast show ${kind}`;
  clearTimeout(timer);
  timer = setTimeout(() => { el.className = "toast"; }, 4000);
}
