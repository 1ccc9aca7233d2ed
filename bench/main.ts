/**
 * `npm run bench [-- --quick] [-- --json FILE] [-- --only IMPL,.. --metric full,resumed,bulk,memory --sub KEX/FAMILY,.. --version 1.2,1.3]`: puretls (each crypto provider), node-forge and Node's
 * native `tls` side by side in one process and one run, so every ratio compares like with like.
 * Run under `node --expose-gc` (the npm script does) for the memory figures.
 */
import { writeFileSync } from 'node:fs';
import { nobleProvider } from '../src/crypto/provider-noble.js';
import { selectProvider } from '../src/crypto/provider.js';
import { nodeProvider } from '../src/crypto/provider-node.js';
import type { CryptoProvider } from '../src/crypto/types.js';
import { canGc, collectGarbage, memoryBudgetSeconds, type Budget, type Missing, type Metric, type Version, type Family, type Impl, type ImplResult, type Kex, type Phase, type Row } from './common.js';
import { chromiumBudgetSeconds, chromiumRows } from './chromium.js';
import { forgeRows } from './forge.js';
import { nativeRows } from './native.js';
import { puretlsRows } from './puretls.js';
import { renderReport } from './report.js';
import { deadlineMs, STALLED, Watchdog } from './watchdog.js';

/** The suite measured for each key exchange and each bulk family (the same for every implementation that has it). */
export const SUITES: { kex: Record<Exclude<Kex, 'X25519MLKEM768_RSA'>, string>; bulk: Record<Family, string> } = {
  kex: {
    ECDHE_RSA: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    ECDHE_ECDSA: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    RSA: 'TLS_RSA_WITH_AES_128_GCM_SHA256',
  },
  bulk: {
    AES_GCM: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    CHACHA20: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    CBC: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  },
};

/** TLS 1.3 rows: one AEAD suite for handshakes, the certificate chosen by the signature schemes offered. */
export const SUITES13: { kex: Partial<Record<Kex, string>>; bulk: Partial<Record<Family, string>> } = {
  kex: { ECDHE_RSA: 'TLS_AES_128_GCM_SHA256', ECDHE_ECDSA: 'TLS_AES_128_GCM_SHA256' },
  bulk: { AES_GCM: 'TLS_AES_128_GCM_SHA256', CHACHA20: 'TLS_CHACHA20_POLY1305_SHA256' },
};
/** puretls's 1.3 rows add the hybrid post-quantum key exchange (Node's OpenSSL 3.0 has no ML-KEM: no native row). */
export const SUITES13_PURETLS = { ...SUITES13, kex: { ...SUITES13.kex, X25519MLKEM768_RSA: 'TLS_AES_128_GCM_SHA256' } };
export const SIGALGS13: Partial<Record<Kex, string[]>> = {
  ECDHE_RSA: ['rsa_pss_rsae_sha256'],
  ECDHE_ECDSA: ['ecdsa_secp256r1_sha256'],
  X25519MLKEM768_RSA: ['rsa_pss_rsae_sha256'],
};
/**
 * Groups per 1.3 row where they differ from the bench's default (x25519, see puretls.ts): the post-quantum row
 * offers X25519MLKEM768 alone, so it measures the hybrid's cost beside the x25519 ECDHE_RSA row.
 */
export const GROUPS13: Partial<Record<Kex, string[]>> = { X25519MLKEM768_RSA: ['X25519MLKEM768'] };

interface Args {
  quick: boolean;
  json?: string;
  /** Measure only these implementations (comma-separated), e.g. while working on one of them. */
  only?: Impl[];
  /** Measure only these metrics (full, resumed, bulk, memory). */
  metrics?: Metric[];
  /** Measure only these key exchanges / bulk families (ECDHE_RSA, AES_GCM, ...). */
  subs?: string[];
  /** Measure only these versions (1.2, 1.3). */
  versions?: Version[];
}

const METRIC_NAMES: Record<string, Metric> = {
  full: 'full_handshakes_per_s',
  resumed: 'resumed_handshakes_per_s',
  bulk: 'bulk_mb_per_s',
  memory: 'heap_bytes_per_idle_connection',
};
const list = (v: string | undefined, flag: string) => {
  if (!v) throw new Error(`${flag} needs a comma-separated list`);
  return v.split(',');
};

function parseArgs(argv: string[]): Args {
  const out: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') out.quick = true;
    else if (a === '--json') {
      const f = argv[++i];
      if (!f) throw new Error('--json needs a file name');
      out.json = f;
    } else if (a.startsWith('--json=')) out.json = a.slice('--json='.length);
    else if (a === '--only') out.only = list(argv[++i], a) as Impl[];
    else if (a === '--metric')
      out.metrics = list(argv[++i], a).map((m) => {
        const metric = METRIC_NAMES[m];
        if (!metric) throw new Error(`--metric: ${m} is none of ${Object.keys(METRIC_NAMES).join(', ')}`);
        return metric;
      });
    else if (a === '--sub') out.subs = list(argv[++i], a);
    else if (a === '--version')
      out.versions = list(argv[++i], a).map((v) => {
        if (v !== '1.2' && v !== '1.3') throw new Error(`--version: ${v} is neither 1.2 nor 1.3`);
        return `TLSv${v}` as Version;
      });
    else
      throw new Error(
        `unknown argument ${a} (use --quick, --json FILE, --only IMPL[,IMPL], --metric full,resumed,bulk,memory, --sub ECDHE_RSA,AES_GCM,..., --version 1.2,1.3)`,
      );
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const budget: Budget = args.quick ? { seconds: 0.25, idleConnections: 8 } : { seconds: 3, idleConnections: 200 };
  if (args.metrics || args.subs || args.versions) {
    // A row without a sub (memory) or version (forge) is not excluded by that dimension's filter.
    budget.want = (metric, sub, version) =>
      (!args.metrics || args.metrics.includes(metric)) &&
      (!args.subs || sub === undefined || args.subs.includes(sub)) &&
      (!args.versions || version === undefined || args.versions.includes(version));
  }
  const wantVersion = (v: Version) => !args.versions || args.versions.includes(v);
  // Each row's measurement is a step with its own deadline (see measureRow/step in common.ts); each section is
  // one more, a backstop for whatever it does outside its rows, long enough for all its rows to stall in turn.
  const watchdog = new Watchdog();
  budget.watchdog = watchdog;
  const sectionMs = 12 * deadlineMs(Math.max(budget.seconds, chromiumBudgetSeconds(budget), memoryBudgetSeconds(budget)));
  if (!canGc) console.log('note: run with node --expose-gc (npm run bench does) for steadier memory figures');
  const results = new Map<Impl, ImplResult>();
  const run = async (impl: Impl, phase: Phase, f: (phase: Phase) => Promise<ImplResult>, provider?: string) => {
    if (args.only && !args.only.includes(impl)) return;
    // Each section starts from a collected heap. Without this a section inherited the garbage and the GC state of
    // the one before: after WebCrypto's bulk rows (many ArrayBuffers, which V8 counts as external memory) the next
    // sections ran under back-to-back mark-compacts (60 in native's TLS 1.3 section against 1-3 elsewhere) and
    // measured a third slower, so every TLS 1.3 row depended on what ran before it rather than on its own code.
    await collectGarbage();
    const t = performance.now();
    process.stdout.write(`measuring ${impl} (${phase}${provider ? `, provider "${provider}"` : ''}) ... `);
    const section = await watchdog.within(`${impl} ${phase} section${provider ? ` (${provider})` : ''}`, sectionMs, "12 times the longest step's deadline", () => f(phase));
    const r: ImplResult =
      section === STALLED
        ? {
            rows: [],
            missing: (phase === 'memory' ? (['heap_bytes_per_idle_connection'] as const) : (['full_handshakes_per_s', 'resumed_handshakes_per_s', 'bulk_mb_per_s'] as const)).map(
              (metric): Missing => ({ impl, metric, why: `the whole ${phase} section stalled (${watchdog.stalls.at(-1)!.why}); its rows are lost`, stalled: true }),
            ),
          }
        : section;
    const prev = results.get(impl);
    results.set(
      impl,
      prev
        ? {
            rows: [...prev.rows, ...r.rows],
            missing: [...prev.missing, ...r.missing],
            ...((r.rssPerIdleConnection ?? prev.rssPerIdleConnection) !== undefined ? { rssPerIdleConnection: r.rssPerIdleConnection ?? prev.rssPerIdleConnection } : {}),
            notes: [...(prev.notes ?? []), ...(r.notes ?? [])],
          }
        : r,
    );
    console.log(`${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  const web = await selectProvider();
  // Which provider each puretls row uses, by name in the output: node:crypto, pure JS, and what a browser gets.
  const puretls: [Impl, CryptoProvider][] = [
    ['puretls-node', nodeProvider],
    ['puretls-noble', nobleProvider],
    ['puretls-webcrypto', web],
  ];
  // Every throughput section first, then every memory section (see Phase).
  for (const phase of ['speed', 'memory'] as const) {
    await run('forge', phase, (ph) => forgeRows(budget, ph));
    if (wantVersion('TLSv1.2')) {
      await run('native', phase, (ph) => nativeRows(budget, SUITES, ph));
      for (const [impl, provider] of puretls) {
        await run(impl, phase, (ph) => puretlsRows(budget, { impl, provider, version: 'TLSv1.2', suites: SUITES }, ph), provider.name);
      }
    }
    if (phase === 'speed' && wantVersion('TLSv1.3')) {
      // TLS 1.3: handshakes and bulk (memory is measured once, in 1.2).
      await run('native', phase, (ph) => nativeRows(budget, SUITES13, ph, 'TLSv1.3', SIGALGS13), 'TLSv1.3');
      for (const [impl, provider] of puretls) {
        await run(impl, phase, (ph) => puretlsRows(budget, { impl, provider, version: 'TLSv1.3', suites: SUITES13_PURETLS, sigalgs: SIGALGS13, groups: GROUPS13 }, ph), `${provider.name}, TLSv1.3`);
      }
    }
    if (phase === 'speed') {
      // The browser figure, last of the throughput sections (before any forced GC): Chromium is a separate process,
      // measured once (reported, no target).
      await run('puretls-chromium', phase, () => chromiumRows(budget), "the browser bundle's default (WebCrypto), and Chromium's fetch");
    }
  }

  const rows: Row[] = [...results.values()].flatMap((r) => r.rows);
  console.log('');
  console.log(renderReport(results, { quick: args.quick, providers: Object.fromEntries(puretls.map(([i, p]) => [i, p.name])) }));
  // Beside the rows (CONTRACT.md's shape), the rows a step stalled on and why: only when one did, so that a run
  // where nothing stalled (Chromium missing included) writes the file it always wrote.
  const missing = [...results.values()].flatMap((r) => r.missing).filter((m) => m.stalled);
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ rows, ...(missing.length ? { missing } : {}) }, null, 2) + '\n');
    console.log(`\nwrote ${rows.length} rows to ${args.json}`);
  }
  if (watchdog.stalls.length) {
    // A stalled step was abandoned, not ended: what it holds could keep the process alive, so exit explicitly.
    console.error(`\n${watchdog.stalls.length} step(s) stalled, their rows are missing: ${watchdog.stalls.map((s) => s.step).join('; ')}`);
    process.exit(2);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
