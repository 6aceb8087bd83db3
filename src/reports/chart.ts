// Charts as SVG text, drawn on the server so the API (and the coming console) can show them
// with no script and no CDN. d3-scale does the geometry; the markup is ours and small.

import { scaleBand, scaleLinear } from "d3-scale";

const W = 640;
const H = 320;
const M = { top: 40, right: 48, bottom: 44, left: 48 };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export type HistogramChart = {
  title: string;
  /** Count per day, index = day. */
  counts: number[];
  /** A marked day (the recommended send day) and its label. */
  mark?: { day: number; label: string } | undefined;
  /** The x axis's caption, in the reader's language. */
  axis?: string;
};

/** Bars per lead day, the cumulative share as a line (right axis), the send day as a rule. */
export function histogramSvg(c: HistogramChart): string {
  const last = Math.max(c.counts.length - 1, c.mark?.day ?? 0, 7);
  const days = Array.from({ length: last + 1 }, (_, d) => d);
  const counts = days.map((d) => c.counts[d] ?? 0);
  const total = counts.reduce((s, x) => s + x, 0);
  const x = scaleBand<number>()
    .domain(days)
    .range([M.left, W - M.right])
    .padding(0.15);
  const y = scaleLinear()
    .domain([0, Math.max(1, ...counts)])
    .nice()
    .range([H - M.bottom, M.top]);
  const share = scaleLinear()
    .domain([0, 1])
    .range([H - M.bottom, M.top]);
  const parts: string[] = [];
  parts.push(`<title>${esc(c.title)}</title>`);
  parts.push(`<text x="${M.left}" y="22" font-size="15" font-weight="600">${esc(c.title)}</text>`);
  for (const t of y.ticks(5)) {
    const yy = y(t).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${M.left - 6}" y="${yy}" dy="0.32em" text-anchor="end" font-size="11">${t}</text>`);
  }
  for (const d of days) {
    const bx = x(d) ?? 0;
    const by = y(counts[d] ?? 0);
    parts.push(
      `<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${x.bandwidth().toFixed(1)}" height="${(H - M.bottom - by).toFixed(1)}" fill="#60a5fa"><title>day ${d}: ${counts[d]}</title></rect>`,
    );
    if (days.length <= 31 && (days.length <= 16 || d % 2 === 0))
      parts.push(
        `<text x="${(bx + x.bandwidth() / 2).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${d}</text>`,
      );
  }
  if (total > 0) {
    let seen = 0;
    const points = days.map((d) => {
      seen += counts[d] ?? 0;
      return `${((x(d) ?? 0) + x.bandwidth() / 2).toFixed(1)},${share(seen / total).toFixed(1)}`;
    });
    parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="#111827" stroke-width="2"/>`);
    for (const t of [0, 0.5, 0.8, 1])
      parts.push(
        `<text x="${W - M.right + 6}" y="${share(t).toFixed(1)}" dy="0.32em" font-size="11">${Math.round(t * 100)}%</text>`,
      );
  }
  if (c.mark) {
    const mx = ((x(c.mark.day) ?? 0) + x.bandwidth() / 2).toFixed(1);
    parts.push(
      `<line x1="${mx}" x2="${mx}" y1="${M.top - 8}" y2="${H - M.bottom}" stroke="#dc2626" stroke-width="2" stroke-dasharray="5 3"/>`,
    );
    parts.push(
      `<text x="${mx}" y="${M.top - 12}" text-anchor="middle" font-size="12" fill="#dc2626">${esc(c.mark.label)}</text>`,
    );
  }
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${esc(c.axis ?? "days from shipping to delivery")}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" role="img" aria-label="${esc(c.title)}">${parts.join("")}</svg>`;
}

export type StackedChart = {
  title: string;
  /** One bar per period: its label and a count per series key. */
  bars: { label: string; counts: Record<string, number> }[];
  /** Bottom to top, with the legend's words and colours. */
  series: { key: string; label: string; color: string }[];
};

/** A stacked bar per period (e.g. activations per week by channel), with a legend. */
export function stackedBarsSvg(c: StackedChart): string {
  const totals = c.bars.map((b) => c.series.reduce((s, k) => s + (b.counts[k.key] ?? 0), 0));
  const x = scaleBand<number>()
    .domain(c.bars.map((_, i) => i))
    .range([M.left, W - M.right])
    .padding(0.2);
  const y = scaleLinear()
    .domain([0, Math.max(1, ...totals)])
    .nice()
    .range([H - M.bottom, M.top + 16]);
  const parts: string[] = [`<title>${esc(c.title)}</title>`];
  parts.push(`<text x="${M.left}" y="22" font-size="15" font-weight="600">${esc(c.title)}</text>`);
  let lx = M.left;
  for (const s of c.series) {
    parts.push(`<rect x="${lx}" y="32" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${lx + 14}" y="41" font-size="11">${esc(s.label)}</text>`);
    // Wide (CJK) characters take about twice the room of Latin ones.
    lx += 24 + [...s.label].reduce((n, ch) => n + ((ch.codePointAt(0) as number) >= 0x2e80 ? 12 : 7), 0);
  }
  for (const t of y.ticks(4)) {
    const yy = y(t).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${M.left - 6}" y="${yy}" dy="0.32em" text-anchor="end" font-size="11">${t}</text>`);
  }
  const every = Math.ceil(c.bars.length / 12);
  c.bars.forEach((b, i) => {
    const bx = (x(i) ?? 0).toFixed(1);
    let base = 0;
    for (const s of c.series) {
      const n = b.counts[s.key] ?? 0;
      if (n === 0) continue;
      const top = y(base + n);
      parts.push(
        `<rect x="${bx}" y="${top.toFixed(1)}" width="${x.bandwidth().toFixed(1)}" height="${(y(base) - top).toFixed(1)}" fill="${s.color}"><title>${esc(`${b.label} ${s.label}: ${n}`)}</title></rect>`,
      );
      base += n;
    }
    if (i % every === 0)
      parts.push(
        `<text x="${((x(i) ?? 0) + x.bandwidth() / 2).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11">${esc(b.label)}</text>`,
      );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" role="img" aria-label="${esc(c.title)}">${parts.join("")}</svg>`;
}

export type IntervalChart = {
  title: string;
  /** One row per group (an experiment's arm): its rate and the 95 % range around it, 0 to 1. */
  rows: { label: string; rate: number | null; low: number | null; high: number | null; muted?: boolean }[];
  /** The x axis's caption, in the reader's language. */
  axis: string;
};

/** Rates as dots with their ranges as bars, one row each, on a shared percentage axis. */
export function intervalsSvg(c: IntervalChart): string {
  // Narrower than the other charts: on a phone it shrinks less, so its words stay readable.
  const width = 480;
  const rowH = 36;
  // Room for the longest label (a wide CJK character takes about twice a Latin one's).
  const room = (t: string) => [...t].reduce((n, ch) => n + ((ch.codePointAt(0) as number) >= 0x2e80 ? 12 : 6.8), 0);
  const left = Math.min(260, Math.max(110, 16 + Math.max(...c.rows.map((r) => room(r.label)))));
  const height = 56 + c.rows.length * rowH + 40;
  const top = Math.max(0.05, ...c.rows.map((r) => r.high ?? 0));
  const x = scaleLinear()
    .domain([0, Math.min(1, top * 1.1)])
    .nice()
    .range([left, width - 24]);
  const parts: string[] = [`<title>${esc(c.title)}</title>`];
  parts.push(`<text x="12" y="22" font-size="15" font-weight="600">${esc(c.title)}</text>`);
  const bottom = 48 + c.rows.length * rowH;
  for (const t of x.ticks(5)) {
    const xx = x(t).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="44" y2="${bottom}" stroke="#e5e7eb"/>`);
    parts.push(
      `<text x="${xx}" y="${bottom + 16}" text-anchor="middle" font-size="11">${Math.round(t * 1000) / 10}%</text>`,
    );
  }
  c.rows.forEach((r, i) => {
    const y = 56 + i * rowH + rowH / 2;
    const color = r.muted ? "#6b7280" : "#0072b2";
    parts.push(`<text x="${left - 10}" y="${y}" dy="0.32em" text-anchor="end" font-size="12">${esc(r.label)}</text>`);
    if (r.rate === null || r.low === null || r.high === null) return;
    const tip = `${r.label}: ${(r.rate * 100).toFixed(1)}% (${(r.low * 100).toFixed(1)}–${(r.high * 100).toFixed(1)}%)`;
    parts.push(
      `<g><title>${esc(tip)}</title><line x1="${x(r.low).toFixed(1)}" x2="${x(r.high).toFixed(1)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="6" stroke-linecap="round" opacity="0.35"/>` +
        `<circle cx="${x(r.rate).toFixed(1)}" cy="${y}" r="6" fill="${color}"/>` +
        `<text x="${x(r.rate).toFixed(1)}" y="${y - 10}" text-anchor="middle" font-size="11">${(r.rate * 100).toFixed(1)}%</text></g>`,
    );
  });
  parts.push(`<text x="${width / 2}" y="${height - 6}" text-anchor="middle" font-size="12">${esc(c.axis)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif" role="img" aria-label="${esc(c.title)}">${parts.join("")}</svg>`;
}
