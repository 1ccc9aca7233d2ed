/**
 * A scripted hostile peer: our own client or server handshake, with its HandshakeIO wrapped so a test can drop,
 * insert, reorder or replace single steps (a handshake message, or ChangeCipherSpec) while everything else stays
 * valid — signed and encrypted by the real code. A test built this way fails only for the reason it names.
 */
import { Engine, type HandshakeIO } from '../../src/engine.js';
import type { HandshakeMessage } from '../../src/handshake/framer.js';
import { clientHandshake, type ClientHandshakeConfig } from '../../src/handshake/client.js';
import { serverHandshake, type ServerHandshakeConfig } from '../../src/handshake/server.js';
import type { HandshakeResult } from '../../src/connection.js';
import { encodeHandshake } from '../../src/handshake/framer.js';
import { type Protection } from '../../src/record/protection.js';
import { encodeRecord } from '../../src/record/writer.js';
import type { EngineLimits } from '../../src/engine.js';
import type { CryptoProvider } from '../../src/crypto/types.js';
import { seededRandom } from '../../fuzz/rng.js';
import { now, loadPki, clientConfig, serverConfig, type ClientSpec } from '../../fuzz/scenarios.js';
import { clientSeed, serverSeed } from '../../fuzz/harness.js';
import { repoRoot } from '../helpers/pki.js';

export const pki = loadPki(repoRoot);

export type Step = { kind: 'msg'; type: number; body: Uint8Array } | { kind: 'ccs' };

export interface Api {
  /** Handshake messages this side received so far, and the ones it sent (as the handshake produced them). */
  received: HandshakeMessage[];
  sent: { type: number; body: Uint8Array }[];
  /** Send a handshake message as the handshake would (into the transcript, under the current keys). */
  send(type: number, body: Uint8Array): Promise<void>;
  /** Send a handshake message that stays out of the transcript, as HelloRequest does (RFC 5246 §7.4.1.1). */
  sendUntracked(type: number, body: Uint8Array): Promise<void>;
  /** Send a ChangeCipherSpec record without changing our keys. */
  ccs(): Promise<void>;
  /** Send one record of any content type under the current keys (e.g. application data mid-handshake). */
  raw(type: number, data: Uint8Array): Promise<void>;
}

/**
 * Called for each step the wrapped handshake takes; return false to drop the step, or a body to send in place of
 * the message's own.
 */
export type Script = (step: Step, index: number, api: Api) => Promise<boolean | void | Uint8Array> | boolean | void | Uint8Array;

interface EngineInternals {
  writeChain: Promise<void>;
  writeProt: Protection;
  writeVersion: number;
  out: Uint8Array[];
}

/**
 * One record of any type, even empty, sealed under the engine's current write keys and queued in order. The engine
 * has no public way to send arbitrary records (rightly); the scripted peer reaches in.
 */
export function rawWrite(e: Engine<HandshakeResult>, type: number, data: Uint8Array): Promise<void> {
  const i = e as unknown as EngineInternals;
  const p = i.writeChain.then(async () => {
    const body = await i.writeProt.seal(type, i.writeVersion, data);
    i.out.push(encodeRecord(type, i.writeVersion, body));
  });
  i.writeChain = p.catch(() => {});
  return p;
}

function wrap(io: HandshakeIO, e: Engine<HandshakeResult>, script: Script): HandshakeIO {
  let index = 0;
  let skipNextWriteKeyChange = false;
  const api: Api = {
    received: [],
    sent: [],
    send: (type, body) => io.send(type, body),
    sendUntracked: (type, body) => rawWrite(e, 22, encodeHandshake(type, body)),
    ccs: () => io.sendChangeCipherSpec(),
    raw: (type, data) => rawWrite(e, type, data),
  };
  return {
    ...io,
    expect: async (...types) => {
      const m = await io.expect(...types);
      api.received.push(m);
      return m;
    },
    send: async (type, body) => {
      skipNextWriteKeyChange = false; // only a key change right after the dropped ChangeCipherSpec goes with it
      api.sent.push({ type, body });
      const r = await script({ kind: 'msg', type, body }, index++, api);
      if (r === false) return;
      return io.send(type, r instanceof Uint8Array ? r : body);
    },
    sendChangeCipherSpec: async () => {
      if ((await script({ kind: 'ccs' }, index++, api)) === false) {
        // A dropped ChangeCipherSpec leaves the write keys as they were: the flow's key change right after it is
        // dropped too, so what follows goes out under the old protection, as a peer that skipped it would send it.
        skipNextWriteKeyChange = true;
        return;
      }
      return io.sendChangeCipherSpec();
    },
    setWriteProtection: (next) => {
      if (skipNextWriteKeyChange) {
        skipNextWriteKeyChange = false;
        return Promise.resolve();
      }
      return io.setWriteProtection(next);
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
  /** Both engines' crypto provider (default: the engine's, noble). */
  provider?: CryptoProvider;
  /** Both engines' handling of an end without close_notify (default: the engine's, a clean end). */
  suppressRaggedEofs?: boolean;
}

export interface Duel {
  client: Engine<HandshakeResult>;
  server: Engine<HandshakeResult>;
  /** Alerts each side sent while the keys were null (plaintext), as [level, description]. */
  plainAlerts: { client: number[][]; server: number[][] };
  /** Bytes and records each side put on the wire. */
  sent: { client: number; server: number };
  records: { client: number; server: number };
  /** Move bytes until both sides are quiet; then end the transport for a side still waiting. */
  pump(endAtQuiet?: boolean): Promise<void>;
}

export const defaultClient = (o: ClientSpec = {}) => clientConfig(pki, o);
export const defaultServer = (o: Parameters<typeof serverConfig>[1] = {}) => serverConfig(pki, o);

export async function duel(o: DuelOptions = {}): Promise<Duel> {
  const seed = o.seed ?? 11;
  const limits = o.limits ?? {};
  const provider = o.provider ? { provider: o.provider } : {};
  const ragged = o.suppressRaggedEofs !== undefined ? { suppressRaggedEofs: o.suppressRaggedEofs } : {};
  const client = new Engine<HandshakeResult>({ random: seededRandom(clientSeed(seed)), now, limits, ...provider, ...ragged });
  const server = new Engine<HandshakeResult>({ random: seededRandom(serverSeed(seed)), now, limits, ...provider, ...ragged });
  const ccfg = o.client ?? defaultClient();
  const scfg = o.server ?? defaultServer();
  const plainAlerts = { client: [] as number[][], server: [] as number[][] };
  const sent = { client: 0, server: 0 };
  const records = { client: 0, server: 0 };
  const noteAlerts = (bytes: Uint8Array, into: number[][], side: 'client' | 'server') => {
    sent[side] += bytes.length;
    for (let off = 0; off + 5 <= bytes.length; records[side]++) {
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
        noteAlerts(out, plainAlerts[side], side);
        await to.receive(out).catch(() => {});
      }
      if (!moved) break;
    }
    if (endAtQuiet) for (const e of [client, server]) if (e.state === 'handshaking') e.receiveEof();
  };
  return { client, server, plainAlerts, sent, records, pump };
}

export const code = (e: Engine<HandshakeResult>): string | undefined => e.error?.code;
