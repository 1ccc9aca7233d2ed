/** scripts/speed-table.ts: the README "Speed" table from one bench JSON report (no timing is measured here). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { END, START, parseReport, renderSpeedTable, replaceSection } from '../../bench/speed-table.js';
import type { Row } from '../../bench/common.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const rows: Row[] = [
  { impl: 'forge', metric: 'full_handshakes_per_s', kex: 'RSA', value: 30 },
  { impl: 'forge', metric: 'bulk_mb_per_s', family: 'CBC', value: 12 },
  { impl: 'native', metric: 'full_handshakes_per_s', kex: 'ECDHE_RSA', version: 'TLSv1.2', value: 400 },
  { impl: 'native', metric: 'bulk_mb_per_s', family: 'AES_GCM', version: 'TLSv1.2', value: 600 },
  { impl: 'native', metric: 'bulk_mb_per_s', family: 'AES_GCM', version: 'TLSv1.3', value: 500 },
  { impl: 'puretls-node', metric: 'full_handshakes_per_s', kex: 'ECDHE_RSA', version: 'TLSv1.2', value: 300 },
  { impl: 'puretls-node', metric: 'bulk_mb_per_s', family: 'AES_GCM', version: 'TLSv1.2', value: 480 },
  { impl: 'puretls-node', metric: 'bulk_mb_per_s', family: 'AES_GCM', version: 'TLSv1.3', value: 200 },
  { impl: 'puretls-noble', metric: 'full_handshakes_per_s', kex: 'ECDHE_RSA', version: 'TLSv1.2', value: 120 },
  { impl: 'puretls-noble', metric: 'bulk_mb_per_s', family: 'AES_GCM', version: 'TLSv1.2', value: 24 },
];

describe('speed table', () => {
  const md = renderSpeedTable(rows, 'run.json');

  it('shows each figure with its ratio to native, per version', () => {
    expect(md).toMatch(/\| full handshakes\/s ECDHE-RSA \| 1\.2 \| +400 \| +300 \(0\.75×\) \| +120 \(0\.30×\) \[1\] \| +— \| +30\.0 \|/);
    expect(md).toMatch(/\| bulk MB\/s AES-128-GCM +\| 1\.3 \| +500 \| +200 \(0\.40×\) \[\d\] \|/);
  });

  it('judges the targets on the same rows', () => {
    expect(md).toContain('- met: node-provider AES-GCM bulk ≥ 0.7× native: 0.80');
    expect(md).toContain('- met: node-provider full ECDHE-RSA handshakes ≥ 0.6× native: 0.75');
    expect(md).toContain('- **MISS**: TLS 1.3: node-provider AES-GCM bulk ≥ 0.7× native: 0.40');
    expect(md).toContain('- met: noble full ECDHE-RSA handshakes ≥ 3.5× forge full handshakes: 4.00');
    expect(md).toContain('- **n/a**: WebCrypto full ECDHE-RSA handshakes ≥ 30% of native (not measured)');
  });

  it('gives a reason beside every figure far from native, and none for those near it', () => {
    const reasons = md.slice(md.indexOf('Why the figures'));
    expect(reasons).toMatch(/1\. noble, full handshakes\/s ECDHE-RSA, TLS 1\.2 \(0\.30× native\): RSA-2048 signing/);
    expect(reasons).toMatch(/node, bulk MB\/s AES-128-GCM, TLS 1\.3 \(0\.40× native\): per record, JavaScript/);
    expect(reasons).toMatch(/noble, bulk MB\/s AES-128-GCM, TLS 1\.2 \(0\.04× native\): AES and GHASH in pure JavaScript/);
    expect(reasons.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(3);
    expect(reasons).not.toContain('no reason recorded');
  });

  it('reports the Chromium figure beside the table, without a target', () => {
    const withBrowser = renderSpeedTable(
      [
        ...rows,
        { impl: 'puretls-chromium', metric: 'bulk_mb_per_s', family: 'AES_GCM', version: 'TLSv1.3', value: 60 },
        { impl: 'chromium', metric: 'bulk_mb_per_s', family: 'AES_GCM', version: 'TLSv1.3', value: 400 },
      ],
      'run.json',
    );
    expect(withBrowser).toMatch(/In Chromium \(reported, no target\): .* puretls in the page .* 60\.0 MB\/s, Chromium's own fetch 400 MB\/s \(0\.15×\)/);
    expect(md).not.toContain('In Chromium');
  });

  it('replaces only the text between the markers, and refuses a README without them', () => {
    const readme = `# x\n\n## Speed\n\nintro\n\n${START}\nold table\n${END}\n\n## Next\n`;
    const out = replaceSection(readme, 'NEW');
    expect(out).toBe(`# x\n\n## Speed\n\nintro\n\n${START}\nNEW\n${END}\n\n## Next\n`);
    expect(replaceSection(out, 'NEWER')).toBe(`# x\n\n## Speed\n\nintro\n\n${START}\nNEWER\n${END}\n\n## Next\n`);
    expect(() => replaceSection('# x\n', 'NEW')).toThrow(/markers/);
  });

  it('refuses a file that is not a bench report', () => {
    expect(() => parseReport('{"cells": []}')).toThrow(/rows/);
    expect(() => parseReport('{"rows": [{"impl": "native", "metric": "bulk_mb_per_s", "value": "fast"}]}')).toThrow(/bench row/);
  });

  it('the repository README carries the markers, and the script rewrites a copy of it from a report', async () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(START);
    expect(readme).toContain(END);
    const dir = mkdtempSync(path.join(tmpdir(), 'puretls-speed-'));
    try {
      writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ rows }));
      writeFileSync(path.join(dir, 'README.md'), readme);
      await promisify(execFile)(process.execPath, ['scripts/run-ts.mjs', 'scripts/speed-table.ts', path.join(dir, 'run.json'), '--readme', path.join(dir, 'README.md')], {
        cwd: repoRoot,
        timeout: 60_000,
      });
      const out = readFileSync(path.join(dir, 'README.md'), 'utf8');
      expect(out).toContain(md);
      // Everything outside the markers is untouched.
      expect(out.slice(0, out.indexOf(START))).toBe(readme.slice(0, readme.indexOf(START)));
      expect(out.slice(out.indexOf(END))).toBe(readme.slice(readme.indexOf(END)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
