// Small inline SVG charts (no library). Each is an <svg role="img"> with a text alternative;
// in right-to-left pages they are mirrored so they read in the page's direction. Colours
// come from CSS classes (console.css).

const NS = "http://www.w3.org/2000/svg";

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(width, height, label) {
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label,
                          class: "svg-chart" });
  svg.append(el("title", {}, label));
  return svg;
}

// x of a box of width w starting at x, and a text anchor, in the page's direction.
function mirror(width, rtl) {
  return {
    x: (x, w = 0) => (rtl ? width - x - w : x),
    anchor: (a) => (!rtl || a === "middle" ? a : a === "start" ? "end" : "start"),
  };
}

/** Columns per category, one per series side by side: e.g. conversations and handoffs by hour. */
export function columns({ labels, series, label, rtl = false, every = 3, legend = true }) {
  const W = 960, H = 190, left = 34, bottom = 22, top = legend ? 28 : 8;
  const m = mirror(W, rtl);
  const svg = frame(W, H, label);
  // An even top, so the middle grid line is a whole number too.
  const max = Math.max(2, Math.ceil(Math.max(...series.flatMap((s) => s.values)) / 2) * 2);
  const plotH = H - top - bottom;
  const slot = (W - left - 8) / labels.length;
  const bar = Math.max(2, (slot - 6) / series.length);
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH * (1 - f);
    svg.append(el("line", { x1: m.x(left), x2: m.x(W - 8), y1: y, y2: y, class: "grid" }));
    svg.append(el("text", { x: m.x(left - 6), y: y + 4, "text-anchor": m.anchor("end"),
                            class: "axis" }, String(max * f)));
  }
  labels.forEach((name, i) => {
    series.forEach((s, j) => {
      const v = s.values[i];
      const h = (v / max) * plotH;
      const x = left + i * slot + 3 + j * bar;
      const rect = el("rect", { x: m.x(x, bar), y: top + plotH - h, width: bar, height: h,
                                class: s.cls });
      rect.append(el("title", {}, `${name}: ${s.label} ${v}`));
      svg.append(rect);
    });
    if (i % every === 0) {
      svg.append(el("text", { x: m.x(left + i * slot + slot / 2), y: H - 5,
                              "text-anchor": "middle", class: "axis" }, name));
    }
  });
  if (legend) {
    let x = left;
    for (const s of series) {
      svg.append(el("rect", { x: m.x(x, 12), y: 6, width: 12, height: 12, class: s.cls }));
      svg.append(el("text", { x: m.x(x + 18), y: 16, "text-anchor": m.anchor("start"),
                              class: "legend" }, s.label));
      x += 36 + s.label.length * 7;
    }
  }
  return svg;
}

/** Horizontal bars, each under its label with its value at the end: e.g. escalations by rule. */
export function bars({ items, label, rtl = false, cls = "s-main" }) {
  const W = 240, row = 34;
  const H = Math.max(1, items.length) * row;
  const m = mirror(W, rtl);
  const svg = frame(W, H, label);
  const max = Math.max(1, ...items.map((i) => i.value));
  items.forEach((item, i) => {
    const y = i * row;
    const w = Math.max(2, (item.value / max) * (W - 40));
    svg.append(el("text", { x: m.x(0), y: y + 12, "text-anchor": m.anchor("start"),
                            class: "legend" }, item.label));
    svg.append(el("rect", { x: m.x(0, w), y: y + 16, width: w, height: 12,
                            class: item.cls || cls }));
    svg.append(el("text", { x: m.x(w + 5), y: y + 27, "text-anchor": m.anchor("start"),
                            class: "value" }, item.text ?? String(item.value)));
  });
  return svg;
}

/** One bar split in parts: e.g. contained vs escalated; the legend wraps below it. */
export function stack({ parts, label, rtl = false }) {
  const W = 240, rowH = 16;
  const m = mirror(W, rtl);
  // Lay the legend out first (roughly 6.5 units a character), so the height fits it.
  const legend = [];
  let lx = 0, ly = 30;
  for (const p of parts) {
    const text = `${p.label} ${p.value}`;
    const width = 14 + text.length * 6.5;
    if (lx && lx + width > W) { lx = 0; ly += rowH; }
    legend.push({ p, text, x: lx, y: ly });
    lx += width + 12;
  }
  const svg = frame(W, ly + 14, label);
  const total = parts.reduce((a, p) => a + p.value, 0);
  svg.append(el("rect", { x: 0, y: 4, width: W, height: 16, class: "track" }));
  let x = 0;
  for (const p of parts) {
    const w = total ? (p.value / total) * W : 0;
    if (w > 0) svg.append(el("rect", { x: m.x(x, w), y: 4, width: w, height: 16, class: p.cls }));
    x += w;
  }
  for (const { p, text, x: at, y } of legend) {
    svg.append(el("rect", { x: m.x(at, 10), y: y - 9, width: 10, height: 10, class: p.cls }));
    svg.append(el("text", { x: m.x(at + 14), y, "text-anchor": m.anchor("start"),
                            class: "legend" }, text));
  }
  return svg;
}

/** Dots on a line: e.g. each handoff's minutes to a first reply, with the median marked. */
export function dots({ values, median, label, rtl = false, format = String }) {
  const W = 240, H = 46, pad = 14;
  const m = mirror(W, rtl);
  const svg = frame(W, H, label);
  const max = Math.max(1, ...values);
  const at = (v) => pad + (v / max) * (W - 2 * pad);
  svg.append(el("line", { x1: m.x(pad), x2: m.x(W - pad), y1: 18, y2: 18, class: "grid" }));
  for (const v of values) {
    const dot = el("circle", { cx: m.x(at(v)), cy: 18, r: 5, class: "dot" });
    dot.append(el("title", {}, format(v)));
    svg.append(dot);
  }
  if (median !== null && median !== undefined) {
    svg.append(el("line", { x1: m.x(at(median)), x2: m.x(at(median)), y1: 6, y2: 30,
                            class: "median" }));
  }
  svg.append(el("text", { x: m.x(pad), y: 41, "text-anchor": m.anchor("start"), class: "axis" },
                format(0)));
  svg.append(el("text", { x: m.x(W - pad), y: 41, "text-anchor": m.anchor("end"), class: "axis" },
                format(max)));
  return svg;
}

const LEVELS = [["calm", 0, 0.25], ["annoyed", 0.25, 0.5], ["frustrated", 0.5, 0.75],
                ["angry", 0.75, 1]];

/** The customer's frustration per message (0..1) over the level bands. */
export function trajectory({ points, label, levelName, rtl = false }) {
  const W = 320, H = 120, left = 70, right = 12, top = 8, bottom = 20;
  const m = mirror(W, rtl);
  const svg = frame(W, H, label);
  const plotH = H - top - bottom;
  const y = (v) => top + plotH * (1 - v);
  for (const [name, lo, hi] of LEVELS) {
    svg.append(el("rect", { x: m.x(left, W - left - right), y: y(hi), width: W - left - right,
                            height: y(lo) - y(hi), class: `band ${name}` }));
    svg.append(el("text", { x: m.x(left - 6), y: (y(lo) + y(hi)) / 2 + 4,
                            "text-anchor": m.anchor("end"), class: "axis" }, levelName(name)));
  }
  const step = points.length > 1 ? (W - left - right - 16) / (points.length - 1) : 0;
  const xs = points.map((_, i) => left + 8 + i * step);
  if (points.length > 1) {
    const d = points.map((p, i) => `${i ? "L" : "M"}${m.x(xs[i])},${y(p.score)}`).join(" ");
    svg.append(el("path", { d, class: "line" }));
  }
  points.forEach((p, i) => {
    const dot = el("circle", { cx: m.x(xs[i]), cy: y(p.score), r: 4.5, class: `point ${p.level}` });
    dot.append(el("title", {}, `${i + 1}. ${p.intent}: ${levelName(p.level)} (${p.score})`));
    svg.append(dot);
    svg.append(el("text", { x: m.x(xs[i]), y: H - 5, "text-anchor": "middle", class: "axis" },
                  String(i + 1)));
  });
  return svg;
}
