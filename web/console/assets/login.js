// The sign-in form: a session cookie on success, a clear error in both languages otherwise.
import { lang, other, setLang, t, tIn } from "./i18n.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");
const notice = document.getElementById("login-notice");
const toggle = document.getElementById("lang-toggle");
const params = new URLSearchParams(location.search);
const SAVED = "cx.console.lang";

function next() {
  const value = params.get("next") || "";
  return value.startsWith("/console") && !value.startsWith("/console//") ? value : "/console/";
}

// Shown in both languages, the console's first: whoever is at the screen can read it.
function showError(key) {
  error.replaceChildren(...[lang(), other()].map((l) => {
    const p = document.createElement("p");
    p.lang = l;
    p.dir = l === "ar" ? "rtl" : "ltr";
    p.textContent = tIn(l, key);
    return p;
  }));
  error.hidden = false;
}

function paint() {
  toggle.textContent = t("lang.switch");
  toggle.lang = other();
  toggle.setAttribute("aria-label", t("lang.switch.label"));
  if (params.get("bye")) {
    notice.textContent = t("login.bye");
    notice.hidden = false;
  }
}

const saved = localStorage.getItem(SAVED);
setLang(saved === "ar" || saved === "en" ? saved : lang());
paint();
toggle.addEventListener("click", () => {
  localStorage.setItem(SAVED, other());
  setLang(other());
  paint();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    showError("login.missing");
    (username ? form.password : form.username).focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const res = await fetch("/v1/agent/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password, cookie: true }),
    });
    if (res.ok) {
      location.assign(next());
      return;
    }
    showError(res.status === 401 ? "login.wrong" : "login.network");
    form.password.value = "";
    form.password.focus();
  } catch {
    showError("login.network");
  } finally {
    button.disabled = false;
  }
});
