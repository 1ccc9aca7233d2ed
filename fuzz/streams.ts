/**
 * The same mutations through the public API: connect() and accept() over memory pipes with a tampering relay in
 * between, so the connection pump (src/connection.ts) is under test too. Both promises must settle before the
 * deadline (each side has a handshake timeout, as a server should), with a TlsError from the table or a connection.
 */
import { connect } from '../src/client.js';
import { accept } from '../src/server.js';
import { memoryPair } from '../src/transport/memory.js';
import { TlsError, ERROR_ALERTS } from '../src/errors.js';
import type { ByteStream } from '../src/transport/types.js';
import type { TlsConnection } from '../src/connection.js';
import { seededRandom } from './rng.js';
import { now, type Pki } from './scenarios.js';
import { clientSeed, serverSeed, type Dir, type Mutator } from './harness.js';

/** Copies from one end to another through `mutate`, closing the far side when the near side ends. */
async function relay(from: ByteStream, to: ByteStream, dir: Dir, mutate: Mutator, counter: { n: number }): Promise<void> {
  const r = from.readable.getReader();
  const w = to.writable.getWriter();
  try {
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      for (const c of mutate(dir, counter.n++, value)) if (c.length) await w.write(c);
    }
  } catch {
    // The other side went away; ending our half is all that is left to do.
  }
  await w.close().catch(() => {});
}

export interface StreamRun {
  client: PromiseSettledResult<TlsConnection>;
  server: PromiseSettledResult<TlsConnection>;
  violations: string[];
}

const KNOWN = new Set(Object.keys(ERROR_ALERTS));

export async function runStreams(pki: Pki, seed: number, mutate: Mutator, o: { timeoutMs?: number; deadlineMs?: number } = {}): Promise<StreamRun> {
  const [c, r1] = memoryPair();
  const [r2, s] = memoryPair();
  const counter = { n: 0 };
  void relay(r1, r2, 'c2s', mutate, counter);
  void relay(r2, r1, 's2c', mutate, counter);
  const timeoutMs = o.timeoutMs ?? 1500;
  const both = Promise.allSettled([
    connect({ transport: c, ca: pki.ca, serverName: 'localhost', now, random: seededRandom(clientSeed(seed)), timeoutMs }),
    accept({ transport: s, ...pki.serverRsa, now, random: seededRandom(serverSeed(seed)), timeoutMs }),
  ]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), o.deadlineMs ?? timeoutMs * 3)));
  const out = await Promise.race([both, deadline]);
  clearTimeout(timer);
  if (out === 'hang') {
    return { client: { status: 'rejected', reason: 'hang' }, server: { status: 'rejected', reason: 'hang' }, violations: ['hang: connect/accept did not settle before the deadline'] };
  }
  const [client, server] = out;
  const violations: string[] = [];
  for (const [side, r] of [['client', client], ['server', server]] as const) {
    if (r.status === 'fulfilled') {
      void r.value.close().catch(() => {});
      continue;
    }
    const e = r.reason;
    if (!(e instanceof TlsError)) violations.push(`${side}: non-TlsError ${String(e)}`);
    else if (!e.code.startsWith('peer_alert_') && !KNOWN.has(e.code)) violations.push(`${side}: code ${e.code} not in the table`);
    else if (e.code === 'internal_error') violations.push(`${side}: internal_error ${e.message}`);
  }
  return { client, server, violations };
}
