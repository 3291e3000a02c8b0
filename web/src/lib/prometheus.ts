// prometheus.ts - reads the Prometheus text exposition format (0.0.4) that
// /metrics serves, and derives what the operations page draws: histogram
// quantiles, sums over labels, rates between two scrapes.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  at: number; // ms since epoch, when it was read
  samples: Sample[];
  types: Record<string, string>;
  help: Record<string, string>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function parseValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s); // NaN stays NaN
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

export function parsePrometheus(text: string, at = Date.now()): Scrape {
  const out: Scrape = { at, samples: [], types: {}, help: {} };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)\s+(.*)$/.exec(line);
      if (m) (m[1] === 'TYPE' ? out.types : out.help)[m[2]] = m[3];
      continue;
    }
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(LABEL)) labels[l[1]] = unescape(l[2]);
    out.samples.push({ name: m[1], labels, value: parseValue(m[4]) });
  }
  return out;
}

export function select(s: Scrape, name: string, match: Record<string, string> = {}): Sample[] {
  return s.samples.filter((x) => x.name === name && Object.entries(match).every(([k, v]) => x.labels[k] === v));
}

/** Sum of every series of name (optionally matching labels). */
export function sum(s: Scrape, name: string, match: Record<string, string> = {}): number | null {
  const xs = select(s, name, match);
  return xs.length ? xs.reduce((a, x) => a + x.value, 0) : null;
}

/** Names in the scrape matching re (e.g. /queue.*depth/). */
export function namesMatching(s: Scrape, re: RegExp): string[] {
  return [...new Set(s.samples.map((x) => x.name))].filter((n) => re.test(n));
}

export interface Histogram {
  bounds: number[]; // ascending upper bounds, last is +Inf
  counts: number[]; // cumulative
  sum: number;
  count: number;
}

/** Merges a histogram's series grouped by one label (e.g. route), adding
 * buckets of the other labels (e.g. status class) together. */
export function histogramsBy(s: Scrape, base: string, groupLabel: string): Map<string, Histogram> {
  const groups = new Map<string, Map<number, number>>();
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const x of s.samples) {
    const g = x.labels[groupLabel] ?? '';
    if (x.name === base + '_bucket') {
      const le = parseValue(x.labels.le ?? '+Inf');
      const m = groups.get(g) ?? new Map<number, number>();
      m.set(le, (m.get(le) ?? 0) + x.value);
      groups.set(g, m);
    } else if (x.name === base + '_sum') sums.set(g, (sums.get(g) ?? 0) + x.value);
    else if (x.name === base + '_count') counts.set(g, (counts.get(g) ?? 0) + x.value);
  }
  const out = new Map<string, Histogram>();
  for (const [g, m] of groups) {
    const bounds = [...m.keys()].sort((a, b) => a - b);
    out.set(g, { bounds, counts: bounds.map((b) => m.get(b)!), sum: sums.get(g) ?? 0, count: counts.get(g) ?? 0 });
  }
  return out;
}

/** The difference of two cumulative histograms (requests between scrapes). */
export function histogramDelta(now: Histogram, before: Histogram | undefined): Histogram {
  if (!before || before.bounds.length !== now.bounds.length) return now;
  return {
    bounds: now.bounds,
    counts: now.counts.map((c, i) => Math.max(0, c - before.counts[i])),
    sum: now.sum - before.sum,
    count: Math.max(0, now.count - before.count),
  };
}

/** Quantile q of a cumulative histogram, interpolating linearly inside the
 * bucket as Prometheus' histogram_quantile() does. null when empty. */
export function quantile(h: Histogram, q: number): number | null {
  const total = h.counts[h.counts.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < h.bounds.length; i++) {
    if (h.counts[i] >= rank) {
      const upper = h.bounds[i];
      const lower = i === 0 ? 0 : h.bounds[i - 1];
      if (!Number.isFinite(upper)) return lower; // in the +Inf bucket: the highest finite bound
      const below = i === 0 ? 0 : h.counts[i - 1];
      const inBucket = h.counts[i] - below;
      return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
    }
  }
  return null;
}

/** Per-second rate of a counter between two scrapes. */
export function rate(now: Scrape, before: Scrape | undefined, name: string, match: Record<string, string> = {}): number | null {
  if (!before) return null;
  const a = sum(now, name, match);
  const b = sum(before, name, match);
  const dt = (now.at - before.at) / 1000;
  if (a == null || b == null || dt <= 0) return null;
  return Math.max(0, a - b) / dt;
}
