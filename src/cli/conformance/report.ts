/**
 * Reports: the result table, the summary line, the JSON report of ../shared/CONTRACT.md, and the comparison
 * with the committed expectations (conformance/expected.json).
 */
import { ALL_CIPHER_SUITES, suiteAllowedIn, versionFromName } from '../../crypto/suites.js';
import { cellKey, VERSIONS } from './matrix.js';
import type { CellResult, JsonCell, Outcome } from './types.js';

export const MARK: Record<Outcome, string> = { pass: '✓', fail: '✗', unsupported: '·' };

export function toJson(results: readonly CellResult[]): { cells: JsonCell[] } {
  return {
    cells: results.map((r) => ({
      peer: r.cell.peer,
      peerRole: r.cell.peerRole,
      version: r.cell.version,
      suite: r.cell.suite.name,
      keyType: r.cell.keyType,
      clientAuth: r.cell.clientAuth,
      resumption: r.cell.resumption,
      ...(r.cell.hrr ? { hrr: true } : {}),
      ...(r.cell.pq ? { pq: true } : {}),
      ...(r.cell.earlyData ? { earlyData: true } : {}),
      result: r.result,
      ...(r.code ? { code: r.code } : {}),
    })),
  };
}

export function summaryLine(results: readonly CellResult[]): string {
  const n = (o: Outcome) => results.filter((r) => r.result === o).length;
  return `${n('pass')} passed, ${n('fail')} failed, ${n('unsupported')} unsupported`;
}

/**
 * Rows: suite (with the leaf key type, R or E, and +auth / +resume / +hrr / +X25519MLKEM768 / +0-RTT variants);
 * columns: peer and role ("openssl:s" = OpenSSL is the server, puretls the client). Each column holds four marks,
 * one per version in VERSIONS order (TLS 1.0, 1.1, 1.2, 1.3), under a second header line that numbers them
 * (`0123`: the minor digit of TLS 1.x): ✓ pass, ✗ fail, · not offered by the peer, blank where the version has no
 * such suite or the cell was not run. So a TLS 1.3 suite's mark is always in the fourth place and a TLS 1.2-only
 * suite's in the third.
 */
/** The second header line of each peer column: which version each of its marks is for (TLS 1.0 1.1 1.2 1.3). */
export const VERSION_DIGITS = VERSIONS.map((v) => (v === 'TLSv1' ? '0' : v.slice(-1))).join('');

export const TABLE_LEGEND =
  'marks per peer column, one per version as numbered under its name: 0 TLS 1.0, 1 TLS 1.1, 2 TLS 1.2, 3 TLS 1.3; ✓ pass, ✗ fail, · not offered by the peer, blank: no such cell; key: R RSA leaf, E ECDSA leaf; peer:s = the peer is the server (puretls the client), peer:c = the peer is the client';

export function table(results: readonly CellResult[]): string {
  const byKey = new Map(results.map((r) => [cellKey(r.cell), r]));
  const columns: { peer: CellResult['cell']['peer']; role: CellResult['cell']['peerRole'] }[] = [];
  for (const r of results) {
    if (!columns.some((c) => c.peer === r.cell.peer && c.role === r.cell.peerRole)) columns.push({ peer: r.cell.peer, role: r.cell.peerRole });
  }
  const variants = [
    { clientAuth: false, resumption: false, hrr: false, tag: '' },
    { clientAuth: true, resumption: false, hrr: false, tag: ' +auth' },
    { clientAuth: false, resumption: true, hrr: false, tag: ' +resume' },
    { clientAuth: false, resumption: false, hrr: true, tag: ' +hrr' },
    { clientAuth: false, resumption: false, hrr: false, pq: true, tag: ' +X25519MLKEM768' },
    { clientAuth: false, resumption: true, hrr: false, earlyData: true, tag: ' +0-RTT' },
  ];
  const rows: string[][] = [];
  for (const suite of ALL_CIPHER_SUITES) {
    // A 1.2 suite names its leaf type; a 1.3 suite has a row per leaf type.
    for (const keyType of suite.protocol === 'tls12' ? [suite.auth] : (['RSA', 'ECDSA'] as const)) {
      for (const v of variants) {
        const marks = columns.map((c) =>
          VERSIONS.map((version) => {
            if (!suiteAllowedIn(suite, versionFromName(version)!)) return ' ';
            const r = byKey.get(cellKey({ peer: c.peer, peerRole: c.role, version, suite, keyType, clientAuth: v.clientAuth, resumption: v.resumption, hrr: v.hrr, ...(v.pq ? { pq: true } : {}), ...(v.earlyData ? { earlyData: true } : {}) }));
            return r ? MARK[r.result] : ' ';
          }).join(''),
        );
        if (marks.every((m) => m.trim() === '')) continue;
        rows.push([`${suite.name.replace(/^TLS_/, '')}${v.tag}`, keyType === 'ECDSA' ? 'E' : 'R', ...marks]);
      }
    }
  }
  const header = ['suite', 'key', ...columns.map((c) => `${c.peer}:${c.role === 'server' ? 's' : 'c'}`)];
  const versionHeader = ['', '', ...columns.map(() => VERSION_DIGITS)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [TABLE_LEGEND, '', line(header), line(versionHeader), ...rows.map(line)].join('\n');
}

export function failureLines(results: readonly CellResult[]): string[] {
  return results.filter((r) => r.result === 'fail').map((r) => `FAIL ${cellKey(r.cell)}: ${r.code}${r.detail ? ` — ${r.detail}` : ''}`);
}

/** conformance/expected.json: every cell key with the outcome it had when the file was written. */
export interface Expectations {
  cells: Record<string, Outcome>;
}

export function toExpectations(results: readonly CellResult[], previous?: Expectations): Expectations {
  // A filtered run only rewrites the cells it ran.
  const cells: Record<string, Outcome> = { ...(previous?.cells ?? {}) };
  for (const r of results) cells[cellKey(r.cell)] = r.result;
  return { cells: Object.fromEntries(Object.entries(cells).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}

export interface Comparison {
  /** Cells that passed in the expectations and do not pass now. */
  regressions: CellResult[];
  /** Cells that pass now and did not (or were not listed) before. */
  newPasses: CellResult[];
}

export function compare(results: readonly CellResult[], expected: Expectations): Comparison {
  const regressions: CellResult[] = [];
  const newPasses: CellResult[] = [];
  for (const r of results) {
    const was = expected.cells[cellKey(r.cell)];
    if (was === 'pass' && r.result !== 'pass') regressions.push(r);
    if (was !== 'pass' && r.result === 'pass') newPasses.push(r);
  }
  return { regressions, newPasses };
}
