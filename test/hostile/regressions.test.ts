/**
 * Every crash the fuzzer found, kept in vectors/regressions/*.json: what each side received, replayed into a
 * fresh engine seeded as in the run. The side-local invariants (fuzz/harness.ts) must hold.
 */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/pki.js';
import { loadPki, scenarios } from '../../fuzz/scenarios.js';
import { replayInputs } from '../../fuzz/harness.js';
import type { Vector } from '../../fuzz/campaign.js';
import { fromHex } from '../../src/handshake/codec.js';
import { parseRecords } from '../../fuzz/records.js';

const dir = path.join(repoRoot, 'vectors/regressions');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
const byName = new Map(scenarios(loadPki(repoRoot)).map((s) => [s.name, s]));

describe('fuzzer regression vectors', () => {
  it('there are vectors to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const f of files) {
    const v = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Vector;
    for (const s of v.sides) {
      it(`${v.name}: ${s.side} (${v.note ?? v.violations.join('; ')})`, async () => {
        const sc = byName.get(v.scenario);
        expect(sc, `scenario ${v.scenario}`).toBeDefined();
        const r = await replayInputs(sc!, s.side, s.seed, s.inputs.map(fromHex));
        expect(r.violations).toEqual([]);
        // Nothing after the fatal alert: the alert, when sent, is the very last record.
        const sent = r[s.side].flights.flatMap((fl) => parseRecords(fl).records);
        const alertAt = sent.findIndex((rec) => rec.type === 21 && rec.body.length === 2 && rec.body[0] === 2);
        if (alertAt >= 0) expect(alertAt).toBe(sent.length - 1);
      });
    }
  }
});
