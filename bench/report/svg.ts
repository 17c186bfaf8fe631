/**
 * A small SVG writer: shapes and text into a document string, linear and log-10 scales with tick
 * values, and a plot frame with axes. Just enough for the benchmark charts, with no dependencies.
 */

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number): string => (Math.round(v * 10) / 10).toString();

export interface TextOptions {
  anchor?: 'start' | 'middle' | 'end';
  size?: number;
  fill?: string;
  rotate?: number;
  weight?: 'bold' | 'normal';
}

export class Svg {
  readonly #parts: string[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  line(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1, dash?: string): this {
    this.#parts.push(
      `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
    );
    return this;
  }

  polyline(points: [number, number][], stroke: string, width = 2): this {
    if (points.length)
      this.#parts.push(`<polyline fill="none" stroke="${stroke}" stroke-width="${width}" points="${points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}"/>`);
    return this;
  }

  circle(x: number, y: number, r: number, fill: string): this {
    this.#parts.push(`<circle cx="${n(x)}" cy="${n(y)}" r="${r}" fill="${fill}"/>`);
    return this;
  }

  rect(x: number, y: number, w: number, h: number, fill: string): this {
    this.#parts.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(Math.max(0, w))}" height="${n(Math.max(0, h))}" fill="${fill}"/>`);
    return this;
  }

  text(x: number, y: number, s: string, o: TextOptions = {}): this {
    const rotate = o.rotate ? ` transform="rotate(${o.rotate} ${n(x)} ${n(y)})"` : '';
    this.#parts.push(
      `<text x="${n(x)}" y="${n(y)}" font-size="${o.size ?? 12}" text-anchor="${o.anchor ?? 'start'}" fill="${o.fill ?? '#222'}"${o.weight === 'bold' ? ' font-weight="bold"' : ''}${rotate}>${escapeXml(s)}</text>`,
    );
    return this;
  }

  toString(): string {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" font-family="sans-serif">`,
      `<rect width="100%" height="100%" fill="#fff"/>`,
      ...this.#parts,
      '</svg>',
      '',
    ].join('\n');
  }
}

export interface Scale {
  (v: number): number;
  ticks: number[];
}

/** A linear scale from [0, max] (rounded up to a tick) onto [r0, r1]. */
export function linearScale(max: number, r0: number, r1: number, count = 5): Scale {
  const raw = (max > 0 ? max : 1) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const top = Math.ceil((max > 0 ? max : 1) / step) * step;
  const f = ((v: number) => r0 + (v / top) * (r1 - r0)) as Scale;
  f.ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  return f;
}

/** A log-10 scale over [min, max] widened to whole decades, onto [r0, r1]. */
export function logScale(min: number, max: number, r0: number, r1: number): Scale {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, min, 1e-9))));
  const f = ((v: number) => r0 + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (r1 - r0)) as Scale;
  f.ticks = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return f;
}

export const tickLabel = (v: number): string => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : String(Number(v.toPrecision(2))));

export interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Axes, grid lines and tick labels of a plot area. */
export function axes(svg: Svg, f: Frame, x: Scale, y: Scale, xLabel: string, yLabel: string, xTickLabel = tickLabel): void {
  for (const t of y.ticks) {
    svg.line(f.left, y(t), f.right, y(t), '#e5e5e5');
    svg.text(f.left - 6, y(t) + 4, tickLabel(t), { anchor: 'end', size: 11, fill: '#555' });
  }
  for (const t of x.ticks) svg.text(x(t), f.bottom + 16, xTickLabel(t), { anchor: 'middle', size: 11, fill: '#555' });
  svg.line(f.left, f.bottom, f.right, f.bottom, '#333').line(f.left, f.top, f.left, f.bottom, '#333');
  svg.text((f.left + f.right) / 2, f.bottom + 34, xLabel, { anchor: 'middle', size: 12 });
  svg.text(f.left - 44, (f.top + f.bottom) / 2, yLabel, { anchor: 'middle', size: 12, rotate: -90 });
}
