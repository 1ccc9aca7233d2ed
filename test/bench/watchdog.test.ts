/**
 * The bench watchdog (bench/watchdog.ts) and the steps built on it (bench/common.ts): a step that never settles is
 * reported by name and recorded as a missing row once its deadline passes, and the run goes on. The timers are the
 * test's own, fired by hand: nothing here waits for time to pass.
 */
import { describe, expect, it } from 'vitest';
import { deadlineMs, STALLED, Watchdog, type Timers } from '../../bench/watchdog.js';
import { measureRow, step, type Budget, type ImplResult } from '../../bench/common.js';

/** Timers that fire only when told to. */
function manualTimers() {
  const pending = new Map<number, { f: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    setTimeout(f, ms) {
      pending.set(++next, { f, ms });
      return next;
    },
    clearTimeout(h) {
      pending.delete(h as number);
    },
  };
  return {
    timers,
    pending,
    /** Fires every pending timer; returns their delays. */
    fireAll(): number[] {
      const due = [...pending.values()];
      pending.clear();
      for (const t of due) t.f();
      return due.map((t) => t.ms);
    },
  };
}

const never = () => new Promise<number>(() => {});
/** Lets the promise callbacks queued so far run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('bench watchdog', () => {
  it('a deadline is three times the budget plus 30 s', () => {
    expect(deadlineMs(3)).toBe(39_000);
    expect(deadlineMs(0.25)).toBe(30_750);
  });

  it('a step that never settles ends as STALLED when its deadline passes, named in the log and in stalls', async () => {
    const clock = manualTimers();
    const log: string[] = [];
    const w = new Watchdog((l) => log.push(l), clock.timers);
    let outcome: unknown = 'pending';
    const p = w.run('puretls-node TLSv1.3 full_handshakes_per_s ECDHE_RSA', 3, never).then((r) => (outcome = r));
    await settle();
    expect(outcome).toBe('pending');
    expect(clock.fireAll()).toEqual([39_000]);
    await p;
    expect(outcome).toBe(STALLED);
    expect(w.stalls).toHaveLength(1);
    expect(w.stalls[0]).toMatchObject({ step: 'puretls-node TLSv1.3 full_handshakes_per_s ECDHE_RSA', deadlineMs: 39_000 });
    expect(w.stalls[0]!.why).toMatch(/^stalled: no result within 39 s/);
    expect(log.join('\n')).toContain('STALLED: puretls-node TLSv1.3 full_handshakes_per_s ECDHE_RSA');
  });

  it('a step that settles in time gives its value and leaves no timer; one that throws still throws', async () => {
    const clock = manualTimers();
    const w = new Watchdog(() => {}, clock.timers);
    expect(await w.run('ok', 3, async () => 42)).toBe(42);
    expect(clock.pending.size).toBe(0);
    await expect(w.run('broken', 3, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(clock.pending.size).toBe(0);
    expect(w.stalls).toEqual([]);
  });

  it('a stalled row is recorded as missing with the reason, and the next row is still measured', async () => {
    const clock = manualTimers();
    const b: Budget = { seconds: 3, idleConnections: 8, watchdog: new Watchdog(() => {}, clock.timers) };
    const out: ImplResult = { rows: [], missing: [] };
    const first = measureRow(b, out, { impl: 'puretls-node', metric: 'full_handshakes_per_s', kex: 'ECDHE_RSA', suite: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' }, never);
    await settle();
    clock.fireAll();
    await first;
    await measureRow(b, out, { impl: 'puretls-node', metric: 'bulk_mb_per_s', family: 'AES_GCM', suite: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' }, async () => 123);
    expect(out.rows).toEqual([{ impl: 'puretls-node', metric: 'bulk_mb_per_s', family: 'AES_GCM', suite: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3', value: 123 }]);
    expect(out.missing).toEqual([{ impl: 'puretls-node', metric: 'full_handshakes_per_s', kex: 'ECDHE_RSA', version: 'TLSv1.3', why: b.watchdog!.stalls[0]!.why, stalled: true }]);
    expect(b.watchdog!.stalls.map((s) => s.step)).toEqual(['puretls-node TLSv1.3 full_handshakes_per_s ECDHE_RSA']);
  });

  it('step() takes the budget it is given (a memory step gets a longer deadline) and runs directly without a watchdog', async () => {
    const clock = manualTimers();
    const b: Budget = { seconds: 3, idleConnections: 200, watchdog: new Watchdog(() => {}, clock.timers) };
    const out: ImplResult = { rows: [], missing: [] };
    const p = step(b, out, { impl: 'forge', metric: 'heap_bytes_per_idle_connection' }, never, 12);
    await settle();
    expect(clock.fireAll()).toEqual([66_000]);
    expect(await p).toBeUndefined();
    expect(out.missing).toEqual([{ impl: 'forge', metric: 'heap_bytes_per_idle_connection', why: expect.stringContaining('within 66 s'), stalled: true }]);
    expect(b.watchdog!.stalls[0]!.step).toBe('forge TLSv1.1 heap_bytes_per_idle_connection');
    expect(await step({ seconds: 3, idleConnections: 8 }, out, { impl: 'native', metric: 'bulk_mb_per_s' }, async () => 7)).toBe(7);
  });
});
