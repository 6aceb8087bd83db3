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
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">days from shipping to delivery</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" role="img">${parts.join("")}</svg>`;
}
