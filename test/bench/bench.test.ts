/** The benchmark harness produces the report shape CONTRACT.md fixes (shape only: no timing is asserted). */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../bench/report.js';
import type { Impl, ImplResult, Row } from '../../bench/common.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IMPLS = ['puretls-node', 'puretls-noble', 'puretls-webcrypto', 'forge', 'native', 'puretls-chromium', 'chromium'];
const METRICS = ['full_handshakes_per_s', 'resumed_handshakes_per_s', 'bulk_mb_per_s', 'heap_bytes_per_idle_connection'];
const KEX = ['ECDHE_RSA', 'ECDHE_ECDSA', 'RSA'];
/** TLS 1.3 only, puretls only (no ML-KEM in the OpenSSL under Node). */
const KEX13_PURETLS = ['X25519MLKEM768_RSA'];
const FAMILIES = ['AES_GCM', 'CHACHA20', 'CBC'];

describe('npm run bench -- --quick --json FILE', () => {
  it('writes rows in the contract shape, covering every implementation and family', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'puretls-bench-'));
    const file = path.join(dir, 'out.json');
    try {
      const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'bench', '--', '--quick', '--json', file], { cwd: repoRoot, timeout: 290_000 });
      expect(stdout).toContain('Targets');
      const report = JSON.parse(readFileSync(file, 'utf8')) as { rows: Record<string, unknown>[] };
      // `missing` is written only when a step stalled (bench/watchdog.ts), and no step of a quick run does.
      expect(Object.keys(report)).toEqual(['rows']);
      expect(stdout).not.toContain('STALLED');
      for (const r of report.rows) {
        expect(Object.keys(r).every((k) => ['impl', 'metric', 'kex', 'family', 'suite', 'version', 'value'].includes(k))).toBe(true);
        if (r.version !== undefined) expect(['TLSv1.2', 'TLSv1.3']).toContain(r.version);
        // Every row but forge's (TLS 1.1) says its version.
        if (r.impl !== 'forge') expect(r.version).toBeDefined();
        expect(IMPLS).toContain(r.impl);
        expect(METRICS).toContain(r.metric);
        if (r.kex !== undefined) expect([...KEX, ...(r.version === 'TLSv1.3' && String(r.impl).startsWith('puretls') ? KEX13_PURETLS : [])]).toContain(r.kex);
        if (r.family !== undefined) expect(FAMILIES).toContain(r.family);
        if (r.suite !== undefined) expect(typeof r.suite).toBe('string');
        expect(Number.isFinite(r.value) && (r.value as number) >= 0).toBe(true);
      }
      const has = (impl: string, metric: string, sub?: string) =>
        report.rows.some((r) => r.impl === impl && r.metric === metric && (sub === undefined || r.kex === sub || r.family === sub));
      // Which provider each puretls row used is printed.
      expect(stdout).toMatch(/measuring puretls-node \(speed, provider "node"\)/);
      expect(stdout).toMatch(/measuring puretls-noble \(speed, provider "noble"\)/);
      for (const impl of ['puretls-node', 'puretls-noble', 'puretls-webcrypto', 'native']) {
        for (const k of KEX) expect(has(impl, 'full_handshakes_per_s', k), `${impl} ${k}`).toBe(true);
        for (const f of FAMILIES) expect(has(impl, 'bulk_mb_per_s', f), `${impl} ${f}`).toBe(true);
      }
      expect(has('forge', 'full_handshakes_per_s', 'RSA')).toBe(true);
      expect(has('forge', 'bulk_mb_per_s', 'CBC')).toBe(true);
      for (const impl of IMPLS.slice(0, 5)) expect(has(impl, 'heap_bytes_per_idle_connection'), impl).toBe(true);
      for (const impl of ['puretls-node', 'puretls-noble', 'puretls-webcrypto']) expect(has(impl, 'full_handshakes_per_s', 'X25519MLKEM768_RSA'), impl).toBe(true);
      for (const impl of ['forge', 'native']) expect(has(impl, 'resumed_handshakes_per_s'), impl).toBe(true);
      // TLS 1.3 resumption (PSK from the first connection's ticket), native and every provider.
      for (const impl of ['native', 'puretls-node', 'puretls-noble', 'puretls-webcrypto']) {
        expect(report.rows.some((r) => r.impl === impl && r.metric === 'resumed_handshakes_per_s' && r.version === 'TLSv1.3'), `${impl} 1.3 resumed`).toBe(true);
      }
      // The browser figure, where Chromium is installed: puretls in the page and Chromium's own fetch, TLS 1.3.
      if (existsSync(process.env.CHROMIUM ?? '/usr/bin/chromium')) {
        for (const impl of ['puretls-chromium', 'chromium']) {
          expect(report.rows.some((r) => r.impl === impl && r.metric === 'bulk_mb_per_s' && r.family === 'AES_GCM' && r.version === 'TLSv1.3'), impl).toBe(true);
        }
        expect(stdout).toMatch(/chromium: a \d+ MB download .* puretls in the page .* Chromium's fetch/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('report', () => {
  it('judges each target from the ratios of the rows given', () => {
    const rows = (impl: Impl, list: Omit<Row, 'impl'>[]): ImplResult => ({ rows: list.map((r) => ({ impl, ...r })), missing: [] });
    const results = new Map<Impl, ImplResult>([
      ['forge', rows('forge', [{ metric: 'full_handshakes_per_s', kex: 'RSA', value: 10 }, { metric: 'bulk_mb_per_s', family: 'CBC', value: 10 }])],
      ['native', rows('native', [{ metric: 'bulk_mb_per_s', family: 'AES_GCM', value: 100 }])],
      ['puretls-noble', rows('puretls-noble', [{ metric: 'full_handshakes_per_s', kex: 'ECDHE_RSA', value: 36 }, { metric: 'bulk_mb_per_s', family: 'CBC', value: 24 }])],
      ['puretls-node', rows('puretls-node', [{ metric: 'bulk_mb_per_s', family: 'AES_GCM', value: 69 }])],
    ]);
    const text = renderReport(results, { quick: false, providers: { 'puretls-node': 'node', 'puretls-noble': 'noble' } });
    expect(text).toMatch(/\[met \] noble full ECDHE-RSA handshakes ≥ 3\.5× forge full handshakes: 3\.60/);
    expect(text).toMatch(/\[MISS\] noble CBC bulk ≥ 2\.5× forge: 2\.40/);
    expect(text).toMatch(/\[MISS\] node-provider AES-GCM bulk ≥ 0\.7× native: 0\.69/);
    expect(text).toMatch(/\[n\/a \] WebCrypto full ECDHE-RSA handshakes/);
    expect(text).toContain('node = "node"');
  });
});
