import { describe, expect, it } from 'vitest';
import { escapeXml, niceTicks, renderChart, renderHtml, stackSvgs } from '../../src/plot/svg.js';
import { probabilityChart, rocChart } from '../../src/plot/charts.js';

/** Every opened element is closed, in order (a cheap well-formedness check without an XML parser). */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (selfClose) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

describe('svg renderer', () => {
  it('picks 1-2-5 ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 3.3, 10)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3]);
    expect(niceTicks(2, 2)).toEqual([2]);
  });
  it('escapes text', () => {
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
  });
  it('renders a self-contained, well-formed chart with series, cutoff line and markers', () => {
    const svg = renderChart({
      title: 'T <1>',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ label: 's', color: '#000', x: [0, 1, 2], y: [0, 0.5, 1], style: 'step' }],
      hlines: [{ y: 0.9, label: 'cutoff 0.9', color: '#f00', dashed: true }],
      markers: [{ x: 1, label: 'hit', color: '#f00' }],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/<script|href=/);
    expect(svg).toContain('T &lt;1&gt;');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('cutoff 0.9');
    expect(wellFormed(svg)).toBe(true);
    expect(wellFormed(stackSvgs([svg, svg]))).toBe(true);
    expect(renderHtml('x', [{ heading: 'h', svg }])).toMatch(/^<!DOCTYPE html>[\s\S]*<svg[\s\S]*<\/html>\n$/);
  });
});

describe('charts', () => {
  it('places invoke i at (i+1)·stride·10 ms and draws the detection', () => {
    const svg = probabilityChart({
      path: 'a.wav',
      wakeWord: 'Okay Nabu',
      probabilities: Uint8Array.from([0, 255, 255, 0]),
      cutoff: 0.97,
      window: 5,
      stride: 3,
      detections: [{ timeSeconds: 0.09 }],
      esphome: '2025',
    });
    expect(svg).toContain('detected 0.09 s');
    expect(svg).toContain('cutoff 0.97');
    expect(svg).toContain('sliding average (window 5)');
    expect(wellFormed(svg)).toBe(true);
  });
  it('draws a ROC curve with the chosen point', () => {
    const pts = [
      { cutoff: 0.5, falseRejectionRate: 0, falseAcceptsPerHour: 3 },
      { cutoff: 0.9, falseRejectionRate: 0.1, falseAcceptsPerHour: 0.2 },
    ];
    const svg = rocChart('roc', pts, pts[1]);
    expect(svg).toContain('cutoff 0.9');
    expect(wellFormed(svg)).toBe(true);
  });
});
