/** Shared pieces of the benchmark harness: the report shape, timing loops and memory sampling. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STALLED, type Watchdog } from './watchdog.js';

/** puretls-chromium / chromium: the browser figure (bench/chromium.ts), bulk only, reported without a target. */
export type Impl = 'puretls-node' | 'puretls-noble' | 'puretls-webcrypto' | 'forge' | 'native' | 'puretls-chromium' | 'chromium';
/** The protocol version of a row (CONTRACT.md: no version means TLS 1.2; forge's rows, TLS 1.1, carry none). */
export type Version = 'TLSv1.2' | 'TLSv1.3';
export type Metric = 'full_handshakes_per_s' | 'resumed_handshakes_per_s' | 'bulk_mb_per_s' | 'heap_bytes_per_idle_connection';
/** X25519MLKEM768_RSA: TLS 1.3 with the hybrid post-quantum group and an RSA certificate (puretls only: no ML-KEM in the OpenSSL 3.0 under Node). */
export type Kex = 'ECDHE_RSA' | 'ECDHE_ECDSA' | 'RSA' | 'X25519MLKEM768_RSA';
export type Family = 'AES_GCM' | 'CHACHA20' | 'CBC';

/** One measurement, in the shape CONTRACT.md fixes for `--json`. */
export interface Row {
  impl: Impl;
  metric: Metric;
  kex?: Kex;
  family?: Family;
  suite?: string;
  version?: Version;
  value: number;
}

/**
 * A metric that could not be measured, and why: printed under the report. The rows the watchdog gave up on
 * (`stalled`) also go into the JSON's `missing` array, beside `rows` (written only when a step stalled, so the file
 * of every other run keeps CONTRACT.md's exact shape). kex, family and version name the stalled row.
 */
export interface Missing {
  impl: Impl;
  metric: Metric;
  kex?: Kex;
  family?: Family;
  version?: Version;
  why: string;
  /** The watchdog's deadline passed (bench/watchdog.ts). */
  stalled?: true;
}

/** A row before it has its value: what names a step. */
export type RowId = Omit<Row, 'value'>;

/** What one implementation's run produced. */
/**
 * Throughput sections all run before any memory section: the memory figures force full GCs, after which V8
 * keeps a small old space and the allocation-heavy loops that follow collect far more often. Measured in that
 * order, later implementations' throughput would pay for earlier ones' memory figures.
 */
export type Phase = 'speed' | 'memory';

export interface ImplResult {
  rows: Row[];
  missing: Missing[];
  /** RSS growth per idle connection (beside the heap figure; RSS also counts native memory). */
  rssPerIdleConnection?: number;
  /** Remarks printed under the table (how a figure was obtained). */
  notes?: string[];
}

export interface Budget {
  /** How long each throughput loop runs. */
  seconds: number;
  /** Idle connections opened for the memory figure. */
  idleConnections: number;
  /** Whether a row is wanted (`--metric`, `--sub`, `--version`); absent: every row. */
  want?: (metric: Metric, sub: string | undefined, version: Version | undefined) => boolean;
  /** Puts each step under a deadline (bench/watchdog.ts); absent: steps run without one. */
  watchdog?: Watchdog;
}

/** The name a step is reported by: implementation, version, metric, and the row's key exchange or family. */
export const stepName = (id: Pick<Row, 'impl' | 'metric' | 'kex' | 'family' | 'version'>): string =>
  [id.impl, id.version ?? (id.impl === 'forge' ? 'TLSv1.1' : 'TLSv1.2'), id.metric, id.kex ?? id.family].filter(Boolean).join(' ');

/**
 * Runs the measurement of row `id` as one step under the budget's watchdog, with a deadline from `budgetSeconds`
 * (default: the throughput loops' b.seconds). Returns what `measure` returned, or undefined when the step stalled:
 * the row is then in `out.missing` with the reason. (A step that blocks the thread without awaiting cannot be
 * interrupted by any timer; every step awaits between operations except forge's synchronous bulk loop, which is
 * bounded by its own clock.)
 */
export async function step<T>(b: Budget, out: ImplResult, id: RowId, measure: () => Promise<T>, budgetSeconds = b.seconds): Promise<T | undefined> {
  if (!b.watchdog) return measure();
  const r = await b.watchdog.run(stepName(id), budgetSeconds, measure);
  if (r !== STALLED) return r;
  out.missing.push({
    impl: id.impl,
    metric: id.metric,
    ...(id.kex ? { kex: id.kex } : {}),
    ...(id.family ? { family: id.family } : {}),
    ...(id.version ? { version: id.version } : {}),
    why: b.watchdog.stalls.at(-1)!.why,
    stalled: true,
  });
  return undefined;
}

/** step() for a row whose value is the one number `measure` returns: the row goes into `out.rows` unless it stalled. */
export async function measureRow(b: Budget, out: ImplResult, id: RowId, measure: () => Promise<number> | number, budgetSeconds?: number): Promise<void> {
  const value = await step(b, out, id, async () => measure(), budgetSeconds);
  if (value !== undefined) out.rows.push({ ...id, value });
}

/** The budget of a memory step: opening b.idleConnections connections three times over, at 20 ms each at the worst. */
export const memoryBudgetSeconds = (b: Budget): number => Math.max(b.seconds, (3 * b.idleConnections * 20) / 1000);

/** Whether budget `b` asks for this row (every row unless a filter was given). */
export const wanted = (b: Budget, metric: Metric, sub?: string, version?: Version): boolean => b.want?.(metric, sub, version) ?? true;

/** The repository root: the nearest directory above this module holding vectors/pki (the module may run bundled elsewhere in the tree). */
export const repoRoot = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'vectors/pki'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('bench: cannot find the repository (vectors/pki) above this script');
  }
})();
export const pki = (file: string) => readFileSync(path.join(repoRoot, 'vectors/pki', file), 'utf8');

/** Bytes per bulk write, as a typical application (and the 2^14 record limit) would use. */
export const CHUNK = 16 * 1024;

/** Runs `once` back to back for about `seconds` (at least `minOps` times); returns operations per second. */
export async function opsPerSecond(seconds: number, once: () => Promise<void>, minOps = 3): Promise<number> {
  await once(); // warm-up: JIT, caches, lazy imports
  const t0 = performance.now();
  let n = 0;
  while (n < minOps || performance.now() - t0 < seconds * 1000) {
    await once();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

/** MB (10^6 bytes) per second. */
export const mbPerSecond = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

const gc = (globalThis as { gc?: () => void }).gc;
export const canGc = typeof gc === 'function';

/** Full collections, with a turn of the event loop after each (so finalizers and freed ArrayBuffers are let go). */
export async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

/** Heap in use, counting ArrayBuffer backing stores too (where Uint8Array data lives), after a full GC. */
export async function heapNow(): Promise<{ heap: number; rss: number }> {
  await collectGarbage();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

/**
 * Opens `n` established connections with `open`, keeps them, and reports the growth of heap and RSS
 * per connection (client and server end together: both live in this process).
 */
export async function idleCost<T>(n: number, open: () => Promise<T>, release: (held: T[]) => Promise<void>): Promise<{ heap: number; rss: number }> {
  await release([await open()]); // warm-up so lazily built tables are not charged to the connections
  const before = await heapNow();
  const held: T[] = [];
  for (let i = 0; i < n; i++) held.push(await open());
  const after = await heapNow();
  await release(held);
  return { heap: Math.max(0, (after.heap - before.heap) / n), rss: Math.max(0, (after.rss - before.rss) / n) };
}

/**
 * The memory row of an implementation whose figure is idleCost()'s heap as it is (forge, native): one step with the
 * memory budget; the RSS growth goes beside it into out.rssPerIdleConnection.
 */
export async function idleCostRow<T>(b: Budget, out: ImplResult, id: RowId, open: () => Promise<T>, release: (held: T[]) => Promise<void>): Promise<void> {
  const mem = await step(b, out, id, () => idleCost(b.idleConnections, open, release), memoryBudgetSeconds(b));
  if (!mem) return;
  out.rows.push({ ...id, value: mem.heap });
  out.rssPerIdleConnection = mem.rss;
}
