/**
 * The type tests in names.types.ts compile (every @ts-expect-error marks a real error), and the same file with the
 * markers removed does not: the misspelt names are errors because the unions are closed, not by accident.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const tsc = join(root, 'node_modules/.bin/tsc');
const flags = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--skipLibCheck', '--types', 'node', '--lib', 'ES2022,DOM'];

async function check(file: string): Promise<{ ok: boolean; out: string }> {
  try {
    await run(tsc, [...flags, file], { cwd: root });
    return { ok: true, out: '' };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('public type unions', () => {
  it('names.types.ts compiles; without its @ts-expect-error lines each misspelling is an error', async () => {
    const file = join(root, 'test/types/names.types.ts');
    const good = await check(file);
    expect(good.out).toBe('');
    expect(good.ok).toBe(true);

    const dir = await mkdtemp(join(tmpdir(), 'puretls-types-'));
    try {
      const text = (await readFile(file, 'utf8'))
        .replace(/^\s*\/\/ @ts-expect-error.*$/gm, '')
        .replace("'../../src/index.js'", JSON.stringify(join(root, 'src/index.js')));
      const bad = join(dir, 'bad.ts');
      await writeFile(bad, text);
      const r = await check(bad);
      expect(r.ok).toBe(false);
      const lines = r.out.split('\n').filter((l) => l.includes('error TS'));
      // The switch case, two bad codes, three bad connect() options and one bad server suite.
      expect(lines).toHaveLength(7);
      expect(r.out).toContain('"cert_untrsted"');
      expect(r.out).toContain('"io_timout"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
