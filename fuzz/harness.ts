/**
 * Drives our client engine and our server engine against each other in memory (or one engine against a recorded
 * peer), passing every flight through a mutator, and checks the invariants a hostile peer must not break:
 *
 *  1. every failure is a TlsError whose code is in the alert table (src/errors.ts) or is peer_alert_*, and never
 *     internal_error (that is how a non-TlsError exception surfaces);
 *  2. a side that fails for a reason with an alert sends it: its last record is a fatal alert, and a plaintext one
 *     carries exactly the table's description; when that flight reaches the peer intact, the peer fails too;
 *  3. nothing hangs: every call settles before a deadline, and a side still waiting when the peer has nothing more
 *     to say fails with io_truncated once the transport ends;
 *  4. without mutation, both sides complete, exchange data and close cleanly.
 */
import { Engine } from '../src/engine.js';
import { TlsError, ERROR_ALERTS, alertFor, alertName } from '../src/errors.js';
import { clientHandshake } from '../src/handshake/client.js';
import { serverHandshake } from '../src/handshake/server.js';
import type { HandshakeResult } from '../src/connection.js';
import { seededRandom } from './rng.js';
import { now, FUZZ_LIMITS, type Scenario } from './scenarios.js';
import { parseRecords } from './records.js';

export type Dir = 'c2s' | 's2c';
export type Side = 'client' | 'server';

/** Chunks to deliver in place of one flight (empty: the flight is lost). */
export type Mutator = (dir: Dir, index: number, flight: Uint8Array) => Uint8Array[];

export interface SideResult {
  state: string;
  error: unknown;
  /** Application data received. */
  received: number;
  /** Chunks this side received, in order (enough to replay it alone). */
  inputs: Uint8Array[];
  /** Flights this side sent, in order, before mutation. */
  flights: Uint8Array[];
}

export interface RunResult {
  client: SideResult;
  server: SideResult;
  violations: string[];
}

export const clientSeed = (seed: number): number => (seed * 2 + 1) >>> 0;
export const serverSeed = (seed: number): number => (seed * 2 + 2) >>> 0;

const APP_DATA_C = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
const APP_DATA_S = new TextEncoder().encode('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');

function newEngine(side: Side, seed: number): Engine<HandshakeResult> {
  return new Engine<HandshakeResult>({ random: seededRandom(side === 'client' ? clientSeed(seed) : serverSeed(seed)), now, limits: FUZZ_LIMITS });
}

function start(e: Engine<HandshakeResult>, side: Side, sc: Scenario): Promise<void> {
  return e.start((io) => (side === 'client' ? clientHandshake(io, sc.client) : serverHandshake(io, sc.server))).catch(() => {});
}

function timeout(ms: number, what: string): { promise: Promise<never>; cancel(): void } {
  let t: ReturnType<typeof setTimeout>;
  const promise = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`hang: ${what} did not settle within ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return { promise, cancel: () => clearTimeout(t) };
}

/** Every call into an engine races a deadline, so a promise that never settles is reported, not waited on. */
async function settle(p: Promise<unknown>, ms: number, what: string, violations: string[]): Promise<void> {
  const t = timeout(ms, what);
  try {
    await Promise.race([p.catch(() => {}), t.promise]);
  } catch (e) {
    violations.push((e as Error).message);
  } finally {
    t.cancel();
  }
}

interface Tracked {
  side: Side;
  e: Engine<HandshakeResult>;
  inputs: Uint8Array[];
  flights: Uint8Array[];
  received: number;
  /** The local failure was seen while we had already sent close_notify (no alert is due then). */
  closing: boolean;
}

export interface RunOptions {
  /** Deadline for each engine call (ms). */
  callDeadlineMs?: number;
  /** Exchange application data and close after the handshake (default true). */
  dataPhase?: boolean;
}

/** Client and server engines connected through `mutate`. */
export async function runPair(sc: Scenario, seed: number, mutate: Mutator | null, o: RunOptions = {}): Promise<RunResult> {
  const deadline = o.callDeadlineMs ?? 10_000;
  const violations: string[] = [];
  const c: Tracked = { side: 'client', e: newEngine('client', seed), inputs: [], flights: [], received: 0, closing: false };
  const s: Tracked = { side: 'server', e: newEngine('server', seed), inputs: [], flights: [], received: 0, closing: false };
  /** Whether each sent flight reached the peer byte for byte. */
  const intact = new Map<Uint8Array, boolean>();
  const tampered = new Set<Dir>();
  await settle(start(s.e, 'server', sc), deadline, 'server start', violations);
  await settle(start(c.e, 'client', sc), deadline, 'client start', violations);
  let index = 0;
  let stage: 'handshake' | 'data' | 'closing' | 'done' = 'handshake';
  for (let steps = 0; steps < 200 && !violations.length; steps++) {
    let moved = false;
    for (const [from, to, dir] of [[c, s, 'c2s'], [s, c, 's2c']] as const) {
      const out = from.e.takeOutgoing();
      if (!out) continue;
      moved = true;
      from.flights.push(out);
      const chunks = mutate ? mutate(dir, index++, out) : [out];
      // Intact means this flight and every earlier one in its direction arrived unchanged (a cut earlier flight
      // leaves the peer's deframer mid-record, and it reads later bytes as part of that record).
      const same = chunks.length === 1 && equal(chunks[0]!, out);
      if (!same) tampered.add(dir);
      intact.set(out, same && !tampered.has(dir));
      for (const chunk of chunks) {
        to.inputs.push(chunk);
        await settle(to.e.receive(chunk), deadline, `${to.side} receive`, violations);
        const got = to.e.takeReceived();
        if (got) to.received += got.length;
      }
    }
    if (moved) continue;
    if (stage === 'handshake' && c.e.state === 'open' && s.e.state === 'open') {
      stage = 'data';
      await settle(c.e.send(APP_DATA_C), deadline, 'client send', violations);
      await settle(s.e.send(APP_DATA_S), deadline, 'server send', violations);
    } else if (stage === 'data') {
      // Closing is only tried on an open connection; a stuck handshake ends with the transport (below).
      stage = 'closing';
      c.closing = true;
      await settle(c.e.close(), deadline, 'client close', violations);
    } else break;
  }
  for (const t of [c, s]) {
    if (t.e.state === 'handshaking') {
      t.e.receiveEof();
      if (t.e.error?.code !== 'io_truncated') violations.push(`${t.side}: still handshaking after the transport ended (${t.e.error?.code})`);
    }
  }
  for (const [t, peer] of [[c, s], [s, c]] as const) checkSide(t, violations, (flight) => intact.get(flight) === true ? peer : null);
  if (!mutate) {
    if (c.e.error || s.e.error) violations.push(`clean run failed: client ${c.e.error?.code}, server ${s.e.error?.code}`);
    if (s.received !== APP_DATA_C.length || c.received !== APP_DATA_S.length) violations.push('clean run: application data lost');
  }
  return { client: result(c), server: result(s), violations };
}

/** One engine against recorded peer flights (mutated): cheap, and reaches the encrypted end of the handshake. */
export async function runReplay(
  sc: Scenario,
  side: Side,
  seed: number,
  peerFlights: readonly Uint8Array[],
  mutate: Mutator | null,
  o: RunOptions = {},
): Promise<RunResult> {
  const deadline = o.callDeadlineMs ?? 10_000;
  const violations: string[] = [];
  const t: Tracked = { side, e: newEngine(side, seed), inputs: [], flights: [], received: 0, closing: false };
  await settle(start(t.e, side, sc), deadline, `${side} start`, violations);
  const dir: Dir = side === 'client' ? 's2c' : 'c2s';
  const drain = () => {
    const out = t.e.takeOutgoing();
    if (out) t.flights.push(out);
  };
  drain();
  for (let i = 0; i < peerFlights.length && !violations.length; i++) {
    const chunks = mutate ? mutate(dir, i, peerFlights[i]!) : [peerFlights[i]!];
    for (const chunk of chunks) {
      t.inputs.push(chunk);
      await settle(t.e.receive(chunk), deadline, `${side} receive`, violations);
      const got = t.e.takeReceived();
      if (got) t.received += got.length;
      drain();
    }
  }
  if (t.e.state === 'handshaking') {
    t.e.receiveEof();
    if (t.e.error?.code !== 'io_truncated') violations.push(`${side}: still handshaking after the transport ended (${t.e.error?.code})`);
  }
  checkSide(t, violations, () => null);
  const r = result(t);
  const none: SideResult = { state: 'absent', error: null, received: 0, inputs: [], flights: [] };
  return side === 'client' ? { client: r, server: none, violations } : { client: none, server: r, violations };
}

/** Replays exactly what one side received (a regression vector): the side-local invariants must hold. */
export function replayInputs(sc: Scenario, side: Side, seed: number, inputs: readonly Uint8Array[]): Promise<RunResult> {
  return runReplay(sc, side, seed, inputs, null);
}

function result(t: Tracked): SideResult {
  return { state: t.e.state, error: t.e.error, received: t.received, inputs: t.inputs, flights: t.flights };
}

const KNOWN_CODES = new Set(Object.keys(ERROR_ALERTS));

/** Invariants 1 and 2 for one side; `peerIfIntact(flight)` gives the peer when that flight reached it unchanged. */
function checkSide(t: Tracked, violations: string[], peerIfIntact: (flight: Uint8Array) => Tracked | null): void {
  const err = t.e.error;
  if (!err) return;
  if (!(err instanceof TlsError)) {
    violations.push(`${t.side}: failed with a non-TlsError: ${String(err)}`);
    return;
  }
  const code = err.code;
  if (!code.startsWith('peer_alert_') && !KNOWN_CODES.has(code)) violations.push(`${t.side}: code ${code} is not in the alert table`);
  if (code === 'internal_error') violations.push(`${t.side}: internal_error: ${err.message}${err.cause ? ` (cause: ${String((err.cause as Error).stack ?? err.cause)})` : ''}`);
  const want = alertFor(code);
  if (code.startsWith('peer_alert_') || code.startsWith('io_') || want === null || t.closing) return;
  const last = t.flights[t.flights.length - 1];
  const recs = last ? parseRecords(last).records : [];
  const alert = recs[recs.length - 1];
  // TLS 1.3 hides the alert's type once keys are in use (RFC 8446 §5.2): outside it is application_data, and its
  // body is then checked through the peer, as for any encrypted alert below.
  const tls13 = (t.e as unknown as { tls13: boolean }).tls13;
  if (!last || !alert || (alert.type !== 21 && !(tls13 && alert.type === 23))) {
    violations.push(`${t.side}: failed with ${code} but sent no alert`);
    return;
  }
  if (alert.body.length === 2) {
    if (alert.body[0] !== 2 || alert.body[1] !== want) {
      violations.push(`${t.side}: ${code} sent alert ${alert.body[0]}/${alertName(alert.body[1]!)}, the table says fatal ${alertName(want)}`);
    }
    return;
  }
  const peer = peerIfIntact(last);
  if (peer && peer.e.state !== 'failed') violations.push(`${peer.side}: did not fail on the peer's fatal ${alertName(want)} alert (state ${peer.e.state})`);
  else if (peer && peer.e.error?.code.startsWith('peer_alert_') && peer.e.error.code !== `peer_alert_${alertName(want)}` && peer.inputs.includes(last)) {
    violations.push(`${peer.side}: got ${peer.e.error.code} for a ${alertName(want)} alert`);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A clean run's flights in both directions: the recordings the replay mode mutates. */
export interface Recording {
  scenario: Scenario;
  seed: number;
  toClient: Uint8Array[];
  toServer: Uint8Array[];
}

export async function record(sc: Scenario, seed: number): Promise<Recording> {
  const r = await runPair(sc, seed, null);
  if (r.violations.length) throw new Error(`${sc.name}: clean run failed: ${r.violations.join('; ')}`);
  return { scenario: sc, seed, toClient: r.client.inputs, toServer: r.server.inputs };
}
