/**
 * `npm run conformance` / `puretls conformance`: the matrix against independent implementations, or a probe of
 * someone's server with --target. runConformance() returns the process exit status.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { versionFromName, type TlsVersion } from '../../crypto/suites.js';
import type { Tls12Suite } from '../../crypto/suites.js';
import { buildMatrix, cellKey, parseSuites, VERSIONS, type MatrixFilter } from './matrix.js';
import { runMatrix, progressOn, type TextSink } from './runner.js';
import { compare, failureLines, summaryLine, table, toExpectations, toJson, type Expectations } from './report.js';
import { probeReport, probeTarget } from './probe.js';
import { DRIVERS } from './peers/index.js';
import { stopAll, stopOnSignals } from './proc.js';
import { findRepoRoot } from './pki.js';
import { PEER_NAMES, type PeerName, type PeerRole } from './types.js';

export { buildMatrix, cellKey, CLIENT_AUTH_SUITES, RESUMPTION_SUITES, resumeBy, type MatrixFilter } from './matrix.js';
export { runMatrix, type RunOptions } from './runner.js';
export { runCell } from './cell.js';
export { compare, summaryLine, table, toExpectations, toJson, type Expectations } from './report.js';
export { probeTarget, probeReport, type ProbeOptions, type ProbeResult } from './probe.js';
export { DRIVERS } from './peers/index.js';
export { stopAll } from './proc.js';
export type { Cell, CellResult, JsonCell, PeerDriver, PeerName, PeerRole, ResumingClient } from './types.js';

export const USAGE = `usage: conformance [options]
  Runs puretls against OpenSSL, GnuTLS, Botan, mbedTLS, wolfSSL, Node's tls and Python's ssl on 127.0.0.1, both directions.
  --peer LIST            peers to run (${PEER_NAMES.join(',')}); default all
  --role LIST            server,client: the role of the peer; default both
  --version LIST         TLSv1,TLSv1.1,TLSv1.2,TLSv1.3; default all
  --suite LIST           IANA or OpenSSL names, or parts of names (CHACHA20, ECDSA); default all
  --no-client-auth       leave out the client-certificate cells
  --no-resumption        leave out the session-resumption cells
  --concurrency N        cells at a time (default 3)
  --timeout MS           per-cell deadline (default 30000)
  --json FILE            write the JSON report ({ cells: [...] })
  --expected FILE        expectations to compare with (default conformance/expected.json)
  --update-expected      rewrite the expectations (and conformance/table.txt) from this run
  --target HOST:PORT     instead: probe that server's versions and suites
    --servername NAME    SNI and name to verify (default HOST)
    --ca FILE            trust anchors, PEM (default: the system bundle)
Exit status: 1 if a cell that passed in the expectations does not pass now (without an expectations file: if any
cell fails), 2 on bad usage, 0 otherwise.`;

interface Args {
  filter: MatrixFilter;
  json?: string;
  expected: string;
  updateExpected: boolean;
  concurrency: number;
  timeoutMs: number;
  target?: { host: string; port: number };
  serverName?: string;
  ca?: string;
  help: boolean;
}

class UsageError extends Error {}

function list(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

function parseVersion(v: string): TlsVersion {
  const name = v === 'TLSv1.0' || v === '1.0' ? 'TLSv1' : /^1\.[12]$/.test(v) ? `TLSv${v}` : v;
  if (versionFromName(name) === undefined) throw new UsageError(`--version ${v}: one of ${VERSIONS.join(', ')}`);
  return name as TlsVersion;
}

export function parseArgs(argv: readonly string[], root: string): Args {
  const a: Args = { filter: {}, expected: path.join(root, 'conformance/expected.json'), updateExpected: false, concurrency: 3, timeoutMs: 30000, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.startsWith('--') && argv[i]!.includes('=') ? [argv[i]!.slice(0, argv[i]!.indexOf('=')), argv[i]!.slice(argv[i]!.indexOf('=') + 1)] : [argv[i]!, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--peer':
        a.filter.peers = list(value()).map((p) => {
          if (!PEER_NAMES.includes(p as PeerName)) throw new UsageError(`--peer ${p}: one of ${PEER_NAMES.join(', ')}`);
          return p as PeerName;
        });
        break;
      case '--role':
        a.filter.roles = list(value()).map((r) => {
          if (r !== 'server' && r !== 'client') throw new UsageError(`--role ${r}: server or client`);
          return r as PeerRole;
        });
        break;
      case '--version':
        a.filter.versions = list(value()).map(parseVersion);
        break;
      case '--suite':
        try {
          a.filter.suites = parseSuites(list(value()));
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        break;
      case '--no-client-auth':
        a.filter.clientAuth = false;
        break;
      case '--no-resumption':
        a.filter.resumption = false;
        break;
      case '--concurrency':
      case '--timeout': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer`);
        if (flag === '--concurrency') a.concurrency = n;
        else a.timeoutMs = n;
        break;
      }
      case '--json':
        a.json = value();
        break;
      case '--expected':
        a.expected = path.resolve(value());
        break;
      case '--update-expected':
        a.updateExpected = true;
        break;
      case '--target': {
        const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(value());
        if (!m) throw new UsageError('--target needs HOST:PORT');
        a.target = { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
        break;
      }
      case '--servername':
        a.serverName = value();
        break;
      case '--ca':
        a.ca = value();
        break;
      case '-h':
      case '--help':
        a.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${argv[i]}`);
    }
  }
  return a;
}

function readExpectations(file: string): Expectations | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Expectations;
}

function writeFile(file: string, text: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
}

export interface RunIo {
  out: TextSink;
  err: TextSink;
}

export async function runConformance(argv: string[], io: RunIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const print = (s = '') => io.out.write(`${s}\n`);
  let root: string;
  let args: Args;
  try {
    root = findRepoRoot();
    args = parseArgs(argv, root);
  } catch (e) {
    io.err.write(`conformance: ${(e as Error).message}\n${e instanceof UsageError ? USAGE + '\n' : ''}`);
    return 2;
  }
  if (args.help) {
    print(USAGE);
    return 0;
  }
  stopOnSignals();
  const t0 = Date.now();
  try {
    if (args.target) {
      const o = {
        ...args.target,
        ...(args.serverName ? { serverName: args.serverName } : {}),
        ...(args.ca ? { caFile: args.ca } : {}),
        ...(args.filter.versions ? { versions: args.filter.versions } : {}),
        // The probe enumerates TLS 1.0–1.2 suites (a 1.3 server takes every 1.3 suite it has, whatever is offered first).
        ...(args.filter.suites ? { suites: args.filter.suites.filter((s): s is Tls12Suite => s.protocol === 'tls12') } : {}),
        concurrency: args.concurrency,
        timeoutMs: args.timeoutMs,
      };
      const results = await probeTarget(o);
      print(probeReport(o, results));
      print(`${results.length} handshakes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (args.json) writeFile(args.json, `${JSON.stringify({ target: `${o.host}:${o.port}`, results }, null, 2)}\n`);
      return results.some((r) => r.accepted && r.verification === 'ok') ? 0 : 1;
    }

    const cells = buildMatrix(args.filter);
    const peers = [...new Set(cells.map((c) => c.peer))];
    for (const p of peers) {
      const missing = DRIVERS[p].missing();
      print(`${p.padEnd(8)} ${missing ? `MISSING: ${missing}` : DRIVERS[p].version()}`);
    }
    print(`${cells.length} cells, ${args.concurrency} at a time`);
    const results = await runMatrix(cells, { concurrency: args.concurrency, timeoutMs: args.timeoutMs, progress: progressOn(io.err) });
    const seconds = (Date.now() - t0) / 1000;
    const tableText = table(results);
    print();
    print(tableText);
    print();
    for (const l of failureLines(results)) print(l);
    const expected = readExpectations(args.expected);
    let status = 0;
    if (expected) {
      const { regressions, newPasses } = compare(results, expected);
      for (const r of newPasses) print(`new pass (not passing in the expectations): ${cellKey(r.cell)}`);
      for (const r of regressions) print(`REGRESSION ${cellKey(r.cell)}: now ${r.result}${r.code ? ` (${r.code})` : ''}`);
      if (regressions.length) {
        print(`${regressions.length} cell(s) passed in ${path.relative(root, args.expected)} and do not pass now`);
        status = 1;
      }
    } else {
      print(`no expectations file at ${args.expected}: any failure fails the run`);
      if (results.some((r) => r.result === 'fail')) status = 1;
    }
    print(summaryLine(results));
    print(`time: ${seconds.toFixed(1)} s for ${results.length} cells (concurrency ${args.concurrency})`);
    if (args.json) writeFile(args.json, `${JSON.stringify(toJson(results), null, 2)}\n`);
    if (args.updateExpected) {
      writeFile(args.expected, `${JSON.stringify(toExpectations(results, expected), null, 2)}\n`);
      writeFile(path.join(path.dirname(args.expected), 'table.txt'), `${tableText}\n\n${summaryLine(results)}\n`);
      print(`wrote ${path.relative(root, args.expected)}`);
    }
    return status;
  } finally {
    await stopAll();
  }
}
