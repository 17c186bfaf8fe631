/**
 * The benchmark charts: throughput over time and latency percentiles (log axes) per scenario with one
 * line per target, and a side-by-side bar chart of every scenario's throughput per target.
 */
import type { ResultPoint } from './aggregate.js';
import { axes, linearScale, logScale, Svg } from './svg.js';

const COLORS: Record<string, string> = { kafka: '#d95f02', gregor: '#1b9e77', 'gregor-flush-on-ack': '#7570b3', embedded: '#e7298a' };
const color = (target: string): string => COLORS[target] ?? '#666';

function legend(svg: Svg, targets: string[], x: number, y: number): void {
  targets.forEach((t, i) => {
    svg.rect(x, y + i * 18 - 9, 12, 12, color(t)).text(x + 18, y + i * 18 + 1, t, { size: 12 });
  });
}

const W = 720;
const H = 380;
const FRAME = { left: 70, top: 40, right: W - 170, bottom: H - 50 };

/** MB/s per second of the median repeat, one line per target. */
export function throughputOverTime(title: string, points: ResultPoint[], recordSize: number): string {
  const svg = new Svg(W, H).text(W / 2, 22, title, { anchor: 'middle', size: 14, weight: 'bold' });
  const lines = points.filter((p) => p.publishRate.length > 0);
  const maxT = Math.max(1, ...lines.map((p) => p.publishRate.length));
  const maxY = Math.max(0, ...lines.flatMap((p) => p.publishRate.map((r) => (r * recordSize) / 1048576)));
  const x = linearScale(maxT, FRAME.left, FRAME.right);
  const y = linearScale(maxY, FRAME.bottom, FRAME.top);
  axes(svg, FRAME, x, y, 'seconds after warm-up', 'MB/s');
  for (const p of lines)
    svg.polyline(
      p.publishRate.map((r, i) => [x(i + 1), y((r * recordSize) / 1048576)]),
      color(p.driver),
    );
  legend(
    svg,
    lines.map((p) => p.driver),
    FRAME.right + 20,
    FRAME.top + 10,
  );
  return svg.toString();
}

/** Latency (ms, log) against percentile on the usual "nines" axis: x = log10(1 / (1 - q)). */
export function latencyPercentiles(title: string, points: ResultPoint[], kind: string): string {
  const svg = new Svg(W, H).text(W / 2, 22, title, { anchor: 'middle', size: 14, weight: 'bold' });
  const curves = points.filter((p) => p.quantiles.length > 0);
  const nines = (q: number) => Math.log10(1 / Math.max(1 - q, 1e-5));
  const all = curves.flatMap((p) => p.quantiles.map(([, ms]) => ms));
  const x = linearScale(5, FRAME.left, FRAME.right, 5);
  x.ticks = [nines(0.5), 1, 2, 3, 4, 5];
  const y = logScale(Math.min(...all, 1), Math.max(...all, 1), FRAME.bottom, FRAME.top);
  const label = (v: number) => (v >= 5 ? 'max' : `${(100 * (1 - 10 ** -v)).toPrecision(v < 1 ? 2 : v + 1)}%`);
  axes(svg, FRAME, x, y, `percentile (${kind})`, 'latency ms (log)', label);
  for (const p of curves) {
    const pts = p.quantiles.map(([q, ms]) => [x(nines(q)), y(ms)] as [number, number]);
    svg.polyline(pts, color(p.driver));
    for (const [px, py] of pts) svg.circle(px, py, 2.5, color(p.driver));
  }
  legend(
    svg,
    curves.map((p) => p.driver),
    FRAME.right + 20,
    FRAME.top + 10,
  );
  return svg.toString();
}

/** Median MB/s per scenario, targets side by side (horizontal bars, spread as a whisker). */
export function comparisonBars(title: string, points: ResultPoint[]): string {
  const withRate = points.filter((p) => p.ok && p.throughput);
  const scenarios = [...new Set(withRate.map((p) => p.workload))];
  const targets = [...new Set(withRate.map((p) => p.driver))];
  const band = Math.max(18, targets.length * 14 + 10);
  const height = 70 + scenarios.length * band + 40;
  const f = { left: 200, top: 40, right: W - 170, bottom: height - 40 };
  const svg = new Svg(W, height).text(W / 2, 22, title, { anchor: 'middle', size: 14, weight: 'bold' });
  const x = linearScale(Math.max(0, ...withRate.map((p) => p.throughput!.mbPerSec.max)), f.left, f.right);
  for (const t of x.ticks) {
    svg.line(x(t), f.top, x(t), f.bottom, '#e5e5e5').text(x(t), f.bottom + 16, String(t), { anchor: 'middle', size: 11, fill: '#555' });
  }
  svg.text((f.left + f.right) / 2, f.bottom + 34, 'MB/s (median of repeats; whisker: min–max)', { anchor: 'middle', size: 12 });
  scenarios.forEach((s, i) => {
    const y0 = f.top + i * band + 4;
    svg.text(f.left - 8, y0 + band / 2, s, { anchor: 'end', size: 11 });
    targets.forEach((t, j) => {
      const p = withRate.find((q) => q.workload === s && q.driver === t);
      if (!p) return;
      const y = y0 + j * 14;
      const m = p.throughput!.mbPerSec;
      svg.rect(f.left, y, x(m.median) - f.left, 11, color(t)).line(x(m.min), y + 5.5, x(m.max), y + 5.5, '#222', 1);
      svg.text(x(m.max) + 4, y + 10, m.median.toFixed(0), { size: 10, fill: '#333' });
    });
  });
  svg.line(f.left, f.top, f.left, f.bottom, '#333');
  legend(svg, targets, f.right + 20, f.top + 10);
  return svg.toString();
}
