/**
 * A scripted hostile peer: our own client or server handshake, with its HandshakeIO wrapped so a test can drop,
 * insert, reorder or replace single steps (a handshake message, or ChangeCipherSpec) while everything else stays
 * valid — signed and encrypted by the real code. A test built this way fails only for the reason it names.
 */
import { Engine, type HandshakeIO } from '../../src/engine.js';
import { clientHandshake, type ClientHandshakeConfig } from '../../src/handshake/client.js';
import { serverHandshake, type ServerHandshakeConfig } from '../../src/handshake/server.js';
import type { HandshakeResult } from '../../src/connection.js';
import { encodeHandshake } from '../../src/handshake/framer.js';
import { nullProtection } from '../../src/record/protection.js';
import type { EngineLimits } from '../../src/engine.js';
import { seededRandom } from '../../fuzz/rng.js';
import { now, loadPki, clientConfig, serverConfig, type ClientSpec } from '../../fuzz/scenarios.js';
import { repoRoot } from '../helpers/pki.js';

export const pki = loadPki(repoRoot);

export type Step = { kind: 'msg'; type: number; body: Uint8Array } | { kind: 'ccs' };

export interface Api {
  /** Send a handshake message as the handshake would (into the transcript, under the current keys). */
  send(type: number, body: Uint8Array): Promise<void>;
  /** Send a handshake message that stays out of the transcript, as HelloRequest does (RFC 5246 §7.4.1.1). */
  sendUntracked(type: number, body: Uint8Array): Promise<void>;
  /** Send a ChangeCipherSpec record without changing our keys. */
  ccs(): Promise<void>;
  /** Send one record of any content type under the current keys (e.g. application data mid-handshake). */
  raw(type: number, data: Uint8Array): Promise<void>;
}

/** Called for each step the wrapped handshake takes; return false to drop the step. */
export type Script = (step: Step, index: number, api: Api) => Promise<boolean | void> | boolean | void;

interface EngineInternals {
  write(type: number, data: Uint8Array): Promise<void>;
}

export function rawWrite(e: Engine<HandshakeResult>, type: number, data: Uint8Array): Promise<void> {
  // The engine has no public way to send arbitrary records (rightly); the scripted peer reaches in.
  return (e as unknown as EngineInternals).write(type, data);
}

function wrap(io: HandshakeIO, e: Engine<HandshakeResult>, script: Script): HandshakeIO {
  let index = 0;
  const api: Api = {
    send: (type, body) => io.send(type, body),
    sendUntracked: (type, body) => rawWrite(e, 22, encodeHandshake(type, body)),
    ccs: () => io.sendChangeCipherSpec(nullProtection()),
    raw: (type, data) => rawWrite(e, type, data),
  };
  return {
    ...io,
    expect: (...types) => io.expect(...types),
    send: async (type, body) => {
      if ((await script({ kind: 'msg', type, body }, index++, api)) === false) return;
      return io.send(type, body);
    },
    sendChangeCipherSpec: async (next) => {
      if ((await script({ kind: 'ccs' }, index++, api)) === false) return;
      return io.sendChangeCipherSpec(next);
    },
  };
}

export interface DuelOptions {
  client?: ClientHandshakeConfig;
  server?: ServerHandshakeConfig;
  clientScript?: Script;
  serverScript?: Script;
  seed?: number;
  limits?: EngineLimits;
}

export interface Duel {
  client: Engine<HandshakeResult>;
  server: Engine<HandshakeResult>;
  /** Alerts each side sent while the keys were null (plaintext), as [level, description]. */
  plainAlerts: { client: number[][]; server: number[][] };
  /** Move bytes until both sides are quiet; then end the transport for a side still waiting. */
  pump(endAtQuiet?: boolean): Promise<void>;
}

export const defaultClient = (o: ClientSpec = {}) => clientConfig(pki, o);
export const defaultServer = (o: Parameters<typeof serverConfig>[1] = {}) => serverConfig(pki, o);

export async function duel(o: DuelOptions = {}): Promise<Duel> {
  const seed = o.seed ?? 11;
  const limits = o.limits ?? {};
  const client = new Engine<HandshakeResult>({ random: seededRandom(seed * 2 + 1), now, limits });
  const server = new Engine<HandshakeResult>({ random: seededRandom(seed * 2 + 2), now, limits });
  const ccfg = o.client ?? defaultClient();
  const scfg = o.server ?? defaultServer();
  const plainAlerts = { client: [] as number[][], server: [] as number[][] };
  const noteAlerts = (bytes: Uint8Array, into: number[][]) => {
    for (let off = 0; off + 5 <= bytes.length; ) {
      const len = (bytes[off + 3]! << 8) | bytes[off + 4]!;
      if (bytes[off] === 21 && len === 2) into.push([bytes[off + 5]!, bytes[off + 6]!]);
      off += 5 + len;
    }
  };
  await server.start((io) => serverHandshake(o.serverScript ? wrap(io, server, o.serverScript) : io, scfg)).catch(() => {});
  await client.start((io) => clientHandshake(o.clientScript ? wrap(io, client, o.clientScript) : io, ccfg)).catch(() => {});
  const pump = async (endAtQuiet = true) => {
    for (let i = 0; i < 100; i++) {
      let moved = false;
      for (const [from, to, side] of [[client, server, 'client'], [server, client, 'server']] as const) {
        const out = from.takeOutgoing();
        if (!out) continue;
        moved = true;
        noteAlerts(out, plainAlerts[side]);
        await to.receive(out).catch(() => {});
      }
      if (!moved) break;
    }
    if (endAtQuiet) for (const e of [client, server]) if (e.state === 'handshaking') e.receiveEof();
  };
  return { client, server, plainAlerts, pump };
}

export const code = (e: Engine<HandshakeResult>): string | undefined => e.error?.code;
