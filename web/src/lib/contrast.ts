// contrast.ts - WCAG 2.x relative luminance and contrast ratio, used to
// pick a readable text color on colors the UI computes (class colors,
// heatmap shades), which no fixed text color suits.

type Rgb = [number, number, number];

/** '#rgb', '#rrggbb' or 'hsl(h s% l%)' (the forms the palette and
 * classColor use). */
export function parseColor(c: string): Rgb {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(c);
  if (short) return [1, 2, 3].map((i) => parseInt(short[i] + short[i], 16)) as Rgb;
  const hex = /^#([0-9a-f]{6})$/i.exec(c);
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16)) as Rgb;
  const hsl = /^hsl\(\s*([\d.]+)\s+([\d.]+)%\s+([\d.]+)%\s*\)$/.exec(c);
  if (!hsl) throw new Error(`unsupported color ${c}`);
  const [h, s, l] = [Number(hsl[1]), Number(hsl[2]) / 100, Number(hsl[3]) / 100];
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** c1 weighted p (0..1) over c2, as CSS color-mix in srgb does. */
export function mix(c1: string, c2: string, p: number): string {
  const a = parseColor(c1);
  const b = parseColor(c2);
  return '#' + a.map((v, i) => Math.round(v * p + b[i] * (1 - p)).toString(16).padStart(2, '0')).join('');
}

export function luminance(c: string): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = parseColor(c).map(lin);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// Pure black: on mid tones (luminance near 0.18) only black or white reach
// 4.5:1, and just so.
export const DARK_TEXT = '#000000';
export const LIGHT_TEXT = '#ffffff';

/** Dark or white text, whichever contrasts more with bg. */
export function readableText(bg: string): string {
  return contrastRatio(bg, DARK_TEXT) >= contrastRatio(bg, LIGHT_TEXT) ? DARK_TEXT : LIGHT_TEXT;
}
