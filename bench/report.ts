/** The human-readable report: one table with ratios to forge and to native, then the issue's targets. */
import type { Impl, ImplResult, Metric, Row, Version } from './common.js';

const IMPLS: Impl[] = ['forge', 'native', 'puretls-node', 'puretls-noble', 'puretls-webcrypto'];
/** The short name of each implementation in the report's columns and the README table. */
export const SHORT: Record<Impl, string> = {
  forge: 'forge',
  native: 'native',
  'puretls-node': 'node',
  'puretls-noble': 'noble',
  'puretls-webcrypto': 'webcrypto',
  'puretls-chromium': 'puretls in Chromium',
  chromium: 'Chromium fetch',
};

const METRIC_LABEL: Record<Metric, string> = {
  full_handshakes_per_s: 'full handshakes/s',
  resumed_handshakes_per_s: 'resumed handshakes/s',
  bulk_mb_per_s: 'bulk MB/s',
  heap_bytes_per_idle_connection: 'heap KB/idle conn',
};

const OURS: Impl[] = ['puretls-node', 'puretls-noble', 'puretls-webcrypto'];

export const find = (rows: Row[], impl: Impl, metric: Metric, sub?: string, version: Version = 'TLSv1.2') =>
  rows.find((r) => r.impl === impl && r.metric === metric && (sub === undefined || (r.kex ?? r.family) === sub) && (r.version ?? 'TLSv1.2') === version);

/**
 * Forge has one suite (RSA key exchange, AES-128-CBC-SHA), so its figure for a metric is the
 * reference for every key exchange and family of that metric.
 */
export const forgeRef = (rows: Row[], metric: Metric) => find(rows, 'forge', metric);

function fmt(metric: Metric, v: number | undefined): string {
  if (v === undefined) return '—';
  if (metric === 'heap_bytes_per_idle_connection') return (v / 1024).toFixed(1);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`);

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [line(head), `|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|')}|`, ...body.map(line)].join('\n');
}

export interface Target {
  what: string;
  impl: Impl;
  metric: Metric;
  sub?: string;
  against: 'forge' | 'native';
  /** value/reference must be at least this (or at most, for memory). */
  bound: number;
  /** The rows' version (default TLS 1.2). */
  version?: Version;
  /** Compare with the same implementation's TLS 1.2 row instead of forge or native. */
  againstOwn12?: boolean;
  atMost?: boolean;
}

/** Issue 21's targets (TLS 1.2 rows), and the earlier passes' that still hold. */
export const TARGETS: Target[] = [
  { what: 'node-provider AES-GCM bulk ≥ 0.7× native', impl: 'puretls-node', metric: 'bulk_mb_per_s', sub: 'AES_GCM', against: 'native', bound: 0.7 },
  { what: 'node-provider full ECDHE-RSA handshakes ≥ 0.6× native', impl: 'puretls-node', metric: 'full_handshakes_per_s', sub: 'ECDHE_RSA', against: 'native', bound: 0.6 },
  { what: 'TLS 1.3: node-provider AES-GCM bulk ≥ 0.7× native', impl: 'puretls-node', metric: 'bulk_mb_per_s', sub: 'AES_GCM', against: 'native', bound: 0.7, version: 'TLSv1.3' },
  { what: 'TLS 1.3: node-provider full handshakes (RSA certificate) ≥ 0.6× native', impl: 'puretls-node', metric: 'full_handshakes_per_s', sub: 'ECDHE_RSA', against: 'native', bound: 0.6, version: 'TLSv1.3' },
  { what: 'noble TLS 1.3 full handshakes (RSA certificate) ≥ 0.9× noble TLS 1.2 ECDHE-RSA', impl: 'puretls-noble', metric: 'full_handshakes_per_s', sub: 'ECDHE_RSA', against: 'native', bound: 0.9, version: 'TLSv1.3', againstOwn12: true },
  { what: 'noble full ECDHE-RSA handshakes ≥ 3.5× forge full handshakes', impl: 'puretls-noble', metric: 'full_handshakes_per_s', sub: 'ECDHE_RSA', against: 'forge', bound: 3.5 },
  { what: 'noble ChaCha20 bulk ≥ 4× forge', impl: 'puretls-noble', metric: 'bulk_mb_per_s', sub: 'CHACHA20', against: 'forge', bound: 4 },
  { what: 'noble CBC bulk ≥ 2.5× forge', impl: 'puretls-noble', metric: 'bulk_mb_per_s', sub: 'CBC', against: 'forge', bound: 2.5 },
  { what: 'WebCrypto full ECDHE-RSA handshakes ≥ 30% of native', impl: 'puretls-webcrypto', metric: 'full_handshakes_per_s', sub: 'ECDHE_RSA', against: 'native', bound: 0.3 },
  { what: 'TLS 1.3: WebCrypto full handshakes (RSA certificate) ≥ 30% of native', impl: 'puretls-webcrypto', metric: 'full_handshakes_per_s', sub: 'ECDHE_RSA', against: 'native', bound: 0.3, version: 'TLSv1.3' },
  { what: 'node-provider heap per idle connection ≤ ½ forge', impl: 'puretls-node', metric: 'heap_bytes_per_idle_connection', against: 'forge', bound: 0.5, atMost: true },
  { what: 'noble heap per idle connection ≤ ½ forge', impl: 'puretls-noble', metric: 'heap_bytes_per_idle_connection', against: 'forge', bound: 0.5, atMost: true },
  { what: 'WebCrypto heap per idle connection ≤ ½ forge', impl: 'puretls-webcrypto', metric: 'heap_bytes_per_idle_connection', against: 'forge', bound: 0.5, atMost: true },
];

export function renderReport(results: Map<Impl, ImplResult>, o: { quick: boolean; providers: Partial<Record<Impl, string>> }): string {
  const rows = [...results.values()].flatMap((r) => r.rows);
  const out: string[] = [];
  const groups: [Metric, string[]][] = [
    ['full_handshakes_per_s', ['ECDHE_RSA', 'ECDHE_ECDSA', 'RSA', 'X25519MLKEM768_RSA']],
    ['resumed_handshakes_per_s', ['ECDHE_RSA', 'RSA']],
    ['bulk_mb_per_s', ['AES_GCM', 'CHACHA20', 'CBC']],
    ['heap_bytes_per_idle_connection', ['']],
  ];
  const body: string[][] = [];
  const versions: Version[] = rows.some((r) => r.version === 'TLSv1.3') ? ['TLSv1.2', 'TLSv1.3'] : ['TLSv1.2'];
  for (const ver of versions)
  for (const [metric, subs] of groups) {
    if (ver === 'TLSv1.3' && metric === 'heap_bytes_per_idle_connection') continue;
    for (const sub of subs) {
      const key = sub === '' ? undefined : sub;
      const v = (impl: Impl) => (impl === 'forge' ? forgeRef(rows, metric)?.value : find(rows, impl, metric, key, ver)?.value);
      if (ver === 'TLSv1.3' && OURS.every((i) => v(i) === undefined) && v('native') === undefined) continue;
      // forge's one figure is every row's reference: a row where nothing else was measured is left out.
      if (IMPLS.every((i) => i === 'forge' || v(i) === undefined) && (metric !== 'heap_bytes_per_idle_connection' || v('forge') === undefined)) continue;
      body.push([
        `${ver === 'TLSv1.3' ? '1.3 ' : ''}${METRIC_LABEL[metric]}${sub ? ` ${sub}` : ''}`,
        ...IMPLS.map((i) => fmt(metric, v(i))),
        ...OURS.map((i) => ratio(v(i), v('forge'))),
        ...OURS.map((i) => ratio(v(i), v('native'))),
      ]);
    }
  }
  const rss = IMPLS.map((i) => results.get(i)?.rssPerIdleConnection);
  body.push(['RSS KB/idle conn', ...rss.map((r) => (r === undefined ? '—' : (r / 1024).toFixed(1))), ...OURS.flatMap(() => ['', ''])]);
  out.push(
    table(
      ['', ...IMPLS.map((i) => SHORT[i]), ...OURS.map((i) => `${SHORT[i]}÷forge`), ...OURS.map((i) => `${SHORT[i]}÷native`)],
      body,
    ),
  );
  out.push(
    '',
    'forge: TLS 1.1, TLS_RSA_WITH_AES_128_CBC_SHA (its only suites); its figure is the reference for every row of a metric.',
    `Others: TLS 1.2; handshakes ${rows.find((r) => r.kex === 'ECDHE_RSA')?.suite ?? ''} etc. (x25519), server chain leaf+intermediate, client verifies it.`,
    `Providers: ${OURS.filter((i) => o.providers[i]).map((i) => `${SHORT[i]} = "${o.providers[i]}"`).join(', ')} (node: node:crypto for every primitive; noble: pure JS; webcrypto: WebCrypto AES, ECDHE and signatures, noble ChaCha20).`,
    'Memory: client+server end of one connection, heap = V8 heap + ArrayBuffers.',
  );
  for (const n of [...results.values()].flatMap((r) => r.notes ?? [])) out.push(n);
  const missing = [...results.values()].flatMap((r) => r.missing);
  for (const m of missing) out.push(`missing: ${m.impl} ${m.metric}${m.kex ?? m.family ? ` ${m.kex ?? m.family}` : ''}${m.version ? ` ${m.version}` : ''}: ${m.why}`);
  out.push('', 'Targets (ratios from this run):');
  for (const j of judgeTargets(rows)) {
    out.push(j.ratio === undefined ? `  [n/a ] ${j.target.what}: not measured` : `  [${j.met ? 'met ' : 'MISS'}] ${j.target.what}: ${j.ratio.toFixed(2)}`);
  }
  if (o.quick) out.push('', '(--quick: short loops, figures are rough)');
  return out.join('\n');
}

/** Each target's ratio in `rows` (undefined: a row it needs was not measured) and whether it is met. */
export function judgeTargets(rows: Row[]): { target: Target; ratio?: number; met: boolean }[] {
  return TARGETS.map((t) => {
    const a = find(rows, t.impl, t.metric, t.sub, t.version)?.value;
    const b = t.againstOwn12
      ? find(rows, t.impl, t.metric, t.sub)?.value
      : t.against === 'forge'
        ? forgeRef(rows, t.metric)?.value
        : find(rows, 'native', t.metric, t.sub, t.version)?.value;
    if (a === undefined || b === undefined || b === 0) return { target: t, met: false };
    const ratio = a / b;
    return { target: t, ratio, met: t.atMost ? ratio <= t.bound : ratio >= t.bound };
  });
}
