/**
 * A small, dependency-free line chart renderer producing self-contained SVG (no scripts, no external
 * fonts or styles), so plots open in any browser or image viewer and can be checked into reports.
 */
import { MwwError } from '../errors.js';

/** `--plot OUT`: the document its extension asks for (OUT.svg or OUT.html); a usage error for anything else. */
export function plotFormat(plot: string): 'svg' | 'html' {
  if (/\.svg$/i.test(plot)) return 'svg';
  if (/\.html?$/i.test(plot)) return 'html';
  throw new MwwError('usage', `--plot must end in .svg or .html, got "${plot}"`);
}

export interface Series {
  label: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** 'line' joins points; 'step' holds each value until the next x (per-invoke outputs). */
  style?: 'line' | 'step';
  width?: number;
}

export interface HLine {
  y: number;
  label: string;
  color: string;
  dashed?: boolean;
}

export interface Marker {
  x: number;
  label: string;
  color: string;
}

export interface PointMark {
  x: number;
  y: number;
  label: string;
  color: string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  hlines?: HLine[];
  markers?: Marker[];
  points?: PointMark[];
  xRange?: [number, number];
  yRange?: [number, number];
  width?: number;
  height?: number;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** "Nice" tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.01) return v.toPrecision(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toFixed(3)));
}

export function renderChart(spec: ChartSpec): string {
  const W = spec.width ?? 900;
  const H = spec.height ?? 360;
  const m = { left: 64, right: 20, top: 40, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  let [x0, x1] = spec.xRange ?? [Infinity, -Infinity];
  if (!spec.xRange) {
    for (const s of spec.series) for (let i = 0; i < s.x.length; i++) ((x0 = Math.min(x0, s.x[i]!)), (x1 = Math.max(x1, s.x[i]!)));
    if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
    if (x1 <= x0) x1 = x0 + 1;
  }
  const [y0, y1] = spec.yRange ?? [0, 1];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0)) * ph;
  const p = (v: number) => v.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${escapeXml(spec.title)}</title>`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);

  // grid and ticks
  for (const t of niceTicks(x0, x1, 10)) {
    const X = p(sx(t));
    parts.push(`<line x1="${X}" y1="${m.top}" x2="${X}" y2="${m.top + ph}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${X}" y="${m.top + ph + 16}" text-anchor="middle" fill="#444">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1, 5)) {
    const Y = p(sy(t));
    parts.push(`<line x1="${m.left}" y1="${Y}" x2="${m.left + pw}" y2="${Y}" stroke="#eeeeee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${Y}" dy="4" text-anchor="end" fill="#444">${fmt(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 14}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);

  for (const mk of spec.markers ?? []) {
    const X = p(sx(mk.x));
    parts.push(`<line x1="${X}" y1="${m.top}" x2="${X}" y2="${m.top + ph}" stroke="${mk.color}" stroke-width="1.5"/>`);
    parts.push(`<text x="${X}" y="${m.top - 4}" text-anchor="middle" fill="${mk.color}">${escapeXml(mk.label)}</text>`);
  }

  for (const s of spec.series) {
    const n = Math.min(s.x.length, s.y.length);
    if (n === 0) continue;
    const d: string[] = [];
    for (let i = 0; i < n; i++) {
      const X = p(sx(s.x[i]!));
      const Y = p(sy(s.y[i]!));
      if (i === 0) d.push(`M${X} ${Y}`);
      else if (s.style === 'step') d.push(`H${X}V${Y}`);
      else d.push(`L${X} ${Y}`);
    }
    parts.push(`<path d="${d.join('')}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}"><title>${escapeXml(s.label)}</title></path>`);
  }

  for (const h of spec.hlines ?? []) {
    const Y = p(sy(h.y));
    parts.push(`<line x1="${m.left}" y1="${Y}" x2="${m.left + pw}" y2="${Y}" stroke="${h.color}" stroke-width="1.5"${h.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
  }

  for (const pt of spec.points ?? []) {
    parts.push(`<circle cx="${p(sx(pt.x))}" cy="${p(sy(pt.y))}" r="5" fill="none" stroke="${pt.color}" stroke-width="2"><title>${escapeXml(pt.label)}</title></circle>`);
    parts.push(`<text x="${p(sx(pt.x) + 8)}" y="${p(sy(pt.y) - 8)}" fill="${pt.color}">${escapeXml(pt.label)}</text>`);
  }

  // legend
  const legend = [...spec.series.map((s) => ({ label: s.label, color: s.color, dashed: false })), ...(spec.hlines ?? []).map((h) => ({ label: h.label, color: h.color, dashed: !!h.dashed }))];
  let lx = m.left + 8;
  const ly = m.top + 14;
  for (const l of legend) {
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${l.color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx + 22}" y="${ly}" fill="#222">${escapeXml(l.label)}</text>`);
    lx += 34 + l.label.length * 6.5;
  }

  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Several SVG charts on one HTML page (inline SVG, no scripts). */
export function renderHtml(title: string, sections: { heading: string; svg: string; text?: string }[]): string {
  const body = sections
    .map((s) => `<section>\n<h2>${escapeXml(s.heading)}</h2>\n${s.text ? `<p>${escapeXml(s.text)}</p>\n` : ''}${s.svg}</section>`)
    .join('\n');
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeXml(title)}</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}h2{font-size:16px}svg{max-width:100%;height:auto}</style>\n</head>\n<body>\n<h1>${escapeXml(title)}</h1>\n${body}\n</body>\n</html>\n`;
}

/** Stack several standalone SVG charts into one SVG document (for --plot OUT.svg with several inputs). */
export function stackSvgs(svgs: string[]): string {
  let y = 0;
  let width = 0;
  const inner: string[] = [];
  for (const s of svgs) {
    const w = Number(/width="(\d+)"/.exec(s)?.[1] ?? 900);
    const h = Number(/height="(\d+)"/.exec(s)?.[1] ?? 360);
    inner.push(s.replace('<svg ', `<svg x="0" y="${y}" `));
    y += h;
    width = Math.max(width, w);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n${inner.join('\n')}</svg>\n`;
}
