/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for
 * tests: every line must be a HELP, a TYPE or a sample, every sample must belong
 * to a declared metric, and label values must be well-quoted. No jest globals.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+-?\\d+)?$`);
const LABEL_RE = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheus(text: string): ParsedMetrics {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1} ("${line.slice(0, 80)}")`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      if (!new RegExp(`^# HELP ${NAME} `).test(line)) throw new Error(`bad HELP at ${where}`);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const m = new RegExp(`^# TYPE (${NAME}) (\\w+)$`).exec(line);
      if (!m || !TYPES.has(m[2])) throw new Error(`bad TYPE at ${where}`);
      types.set(m[1], m[2]);
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE_RE.exec(line);
    if (!m) throw new Error(`not a sample at ${where}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL_RE.lastIndex = 0;
      let pos = 0;
      while (pos < m[2].length) {
        LABEL_RE.lastIndex = pos;
        const l = LABEL_RE.exec(m[2]);
        if (!l) throw new Error(`bad labels at ${where}`);
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        pos = LABEL_RE.lastIndex;
      }
    }
    // values as Prometheus reads them (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`)
    const v = m[3];
    const value = /^nan$/i.test(v) ? NaN : /^\+?inf(inity)?$/i.test(v) ? Infinity : /^-inf(inity)?$/i.test(v) ? -Infinity : Number(v);
    if (Number.isNaN(value) && !/^nan$/i.test(v)) throw new Error(`bad value at ${where}`);
    const family = [m[1], m[1].replace(/_(bucket|sum|count|total|created)$/, '')].find((n) => types.has(n));
    if (!family) throw new Error(`sample of an undeclared metric at ${where}`);
    samples.push({ name: m[1], labels, value });
  });
  return { types, samples };
}

/** Sum of the samples named `name` whose labels include `match`. */
export function sumOf(parsed: ParsedMetrics, name: string, match: Record<string, string> = {}): number {
  return parsed.samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

/** GETs `<base>/metrics` and parses it (throws on an answer that is not Prometheus text). */
export async function scrape(base: string): Promise<ParsedMetrics> {
  const res = await fetch(`${base.replace(/\/graphql$/, '')}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!/^text\/plain/.test(res.headers.get('content-type') ?? '')) throw new Error(`/metrics content-type ${res.headers.get('content-type')}`);
  return parsePrometheus(await res.text());
}
