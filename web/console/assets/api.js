// Calls to the inbox API with the session cookie (same origin, so it goes along by itself).

export class ApiError extends Error {
  constructor(status, body) {
    const detail = Array.isArray(body?.detail) ? body.detail.join("; ") : body?.detail;
    super(detail || body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function toLogin() {
  const next = location.pathname + location.search;
  location.assign(`/console/login?next=${encodeURIComponent(next)}`);
}

export async function api(path, { method = "GET", body, redirect = true } = {}) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 401 && redirect) {
    toLogin();
    throw new ApiError(401, {});
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const post = (path, body) => api(path, { method: "POST", body });

// An EventSource that reports whether it is connected and checks the session when it drops
// (an expired session would otherwise retry forever).
export function stream(url, handlers, onState) {
  const source = new EventSource(url);
  source.addEventListener("open", () => onState?.(true));
  source.addEventListener("error", async () => {
    onState?.(false);
    try {
      await api("/v1/agent/me");
    } catch {
      /* api() sends the browser to the login page on 401; otherwise EventSource retries */
    }
  });
  for (const [type, fn] of Object.entries(handlers)) {
    source.addEventListener(type, (ev) => fn(JSON.parse(ev.data), ev));
  }
  return source;
}
