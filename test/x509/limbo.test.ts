import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { runLimboCase, tally, type LimboCase } from '../../src/x509/limbo.js';
import { repoRoot } from './helpers.js';

const file = path.resolve(repoRoot, '../shared/vectors/x509-limbo/limbo-dev.json.gz');
const present = existsSync(file);
if (!present) console.log(`external suites not found, skipping x509-limbo (${file})`);

/** The figure reached under the webpki profile (6,867 cases; 1 false accept: webpki::cn::not-in-san, see README); it must never fall. */
const MIN_RIGHT = 6863;
const MAX_FALSE_ACCEPTS = 2;

describe.skipIf(!present)('x509-limbo', () => {
  it('gets at least the recorded number of cases right', { timeout: 400_000 }, () => {
    const suite = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { testcases: LimboCase[] };
    const t = tally(suite.testcases.map((c) => runLimboCase(c, "webpki")));
    expect(t.skipped).toBe(0);
    expect(t.right).toBeGreaterThanOrEqual(MIN_RIGHT);
    expect(t.falseAccept).toBeLessThanOrEqual(MAX_FALSE_ACCEPTS);
  });
});
