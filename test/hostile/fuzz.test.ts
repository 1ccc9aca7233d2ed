/**
 * The bounded fuzz run of the test suite: client and server engines against each other and against recorded
 * handshakes, every flight open to mutation (fuzz/mutate.ts), every run checked against the invariants of
 * fuzz/harness.ts. Fixed seed, so a failure here reproduces with `npm run fuzz -- --reproduce SEED`.
 * The long run is `npm run fuzz -- --minutes N`.
 */
import { describe, it, expect } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { repoRoot } from '../helpers/pki.js';
import { campaign, setup, iteration, type Vector } from '../../fuzz/campaign.js';
import { runPair, runReplay } from '../../fuzz/harness.js';
import { Rng } from '../../fuzz/rng.js';
import { makeMutator } from '../../fuzz/mutate.js';

if (!(globalThis as { gc?: unknown }).gc) {
  v8.setFlagsFromString('--expose-gc');
  (globalThis as { gc?: unknown }).gc = vm.runInNewContext('gc');
}

describe('mutation fuzzer', () => {
  it('clean runs succeed and are deterministic (replay depends on it)', async () => {
    const st = await setup(repoRoot);
    for (const sc of st.scenarios) {
      const a = await runPair(sc, 7, null);
      const b = await runPair(sc, 7, null);
      expect(a.violations, sc.name).toEqual([]);
      expect(a.client.flights.map((f) => Buffer.from(f).toString('hex'))).toEqual(b.client.flights.map((f) => Buffer.from(f).toString('hex')));
      // A recorded server flight replayed to a fresh client with the same seed completes the handshake.
      const rec = st.recordings.get(sc.name)!;
      const r = await runReplay(sc, 'client', rec.seed, rec.toClient, null);
      expect(r.violations).toEqual([]);
      expect(r.client.state, sc.name).not.toBe('failed');
    }
  });

  it('the invariant checks catch a broken engine (the oracle can fail)', async () => {
    // Dropping the server's first flight must leave the client waiting, then io_truncated at end of stream.
    const st = await setup(repoRoot);
    const sc = st.scenarios[0]!;
    const r = await runPair(sc, 3, (dir, i, f) => (dir === 's2c' && i === 1 ? [] : [f]));
    expect(r.violations).toEqual([]);
    expect((r.client.error as { code: string }).code).toBe('io_truncated');
    // A mutator that always corrupts still only produces table codes.
    const log: string[] = [];
    const m = makeMutator(new Rng(5), st.corpus, log, { rate: 1 });
    const r2 = await runPair(sc, 5, m);
    expect(r2.violations).toEqual([]);
    expect(log.length).toBeGreaterThan(0);
  });

  it('a bounded campaign: no invariant broken, heap flat', async () => {
    const crashes: Vector[] = [];
    const stats = await campaign({ repoRoot, seed: 20261130, durationMs: 25_000, heapEvery: 200, onCrash: (v) => crashes.push(v) });
    const rate = stats.iterations / (stats.elapsedMs / 1000);
    console.log(
      `fuzz: ${stats.iterations} runs in ${(stats.elapsedMs / 1000).toFixed(1)} s (${rate.toFixed(0)}/s), ${Object.keys(stats.codes).length} distinct codes, heap ${stats.heapSamples.map((h) => (h / 1048576).toFixed(0)).join(' ')} MiB`,
    );
    expect(crashes.map((c) => `${c.name}: ${c.violations.join('; ')}`)).toEqual([]);
    expect(stats.iterations).toBeGreaterThan(300);
    // Reaches deep: MAC failures (encrypted stage) and handshake-state failures both occur.
    expect(stats.codes['crypto_bad_record_mac']).toBeGreaterThan(0);
    expect(stats.codes['protocol_unexpected_message']).toBeGreaterThan(0);
    // Memory: after the warm-up sample, the heap does not keep growing with the number of runs.
    const warm = stats.heapSamples.slice(1);
    if (warm.length >= 3) expect(Math.max(...warm) - Math.min(...warm)).toBeLessThan(48 * 1048576);
  }, 90_000);

  it('iterations are reproducible from their seed', async () => {
    const st = await setup(repoRoot);
    const a = await iteration(st, 424242);
    const b = await iteration(st, 424242);
    expect(a.log).toEqual(b.log);
    expect((a.run.client.error as { code?: string } | null)?.code).toBe((b.run.client.error as { code?: string } | null)?.code);
    expect((a.run.server.error as { code?: string } | null)?.code).toBe((b.run.server.error as { code?: string } | null)?.code);
  });
});
