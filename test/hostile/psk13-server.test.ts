/**
 * The TLS 1.3 server's pre_shared_key and 0-RTT handling against hand-made ClientHellos: a ticket minted under the
 * context's own ticket keys (so the test knows its PSK), real binders (psk13.ts) and real early-data records, then
 * bent one way at a time. Each case ends in the alert RFC 8446 names, or in a full handshake where the ticket is
 * simply not usable (never an error for that).
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import type { HandshakeResult } from '../../src/handshake/io.js';
import { serverHandshake } from '../../src/handshake/server.js';
import { encodeHandshake } from '../../src/handshake/framer.js';
import { ExtensionType as ET, findExtension, type Extension } from '../../src/handshake/extensions.js';
import * as X from '../../src/handshake/extensions.js';
import * as X13 from '../../src/handshake/extensions13.js';
import { ExtensionType13 as ET13 } from '../../src/handshake/extensions13.js';
import * as M from '../../src/handshake/messages.js';
import { sealTicket, type ServerSessionState } from '../../src/handshake/tickets.js';
import { fillBinders, obfuscateTicketAge, preSharedKeyPlaceholder, type PskCandidate } from '../../src/handshake/psk13.js';
import { KeySchedule13 } from '../../src/crypto/keyschedule.js';
import { hash as digest } from '../../src/crypto/hash.js';
import { keyShare13 } from '../../src/crypto/ops.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { tls13SuiteById } from '../../src/crypto/suites.js';
import { protection13 } from '../../src/handshake/traffic13.js';
import { createServerContext } from '../../src/index.js';
import { pki } from './scripted.js';
import { record as rec } from '../helpers/records.js';

const NOW = Date.UTC(2026, 0, 1);
const SUITE = tls13SuiteById(0x1301)!;
const PSK = new Uint8Array(32).fill(0x42);
const AGE_ADD = 0x12345678;
const ticketKeys = [{ name: new Uint8Array(16).fill(1), key: new Uint8Array(32).fill(2) }];

function context(over: { maxEarlyData?: number; now?: number; pskKe?: boolean } = {}) {
  return createServerContext({
    ...(over.pskKe ? { pskKeyExchangeModes: ['psk_dhe_ke', 'psk_ke'] as const } : {}),
    cert: pki.serverRsa.cert,
    key: pki.serverRsa.key,
    maxVersion: 'TLSv1.3',
    ticketKeys,
    maxEarlyData: over.maxEarlyData ?? 100,
    now: () => new Date(over.now ?? NOW),
  });
}

async function mint(ctx: ReturnType<typeof context>, over: Partial<ServerSessionState> = {}): Promise<Uint8Array> {
  const state: ServerSessionState = {
    version: 0x0304,
    cipherSuite: SUITE.id,
    masterSecret: PSK,
    extendedMasterSecret: true,
    encryptThenMac: false,
    serverName: 'localhost',
    peerChain: [],
    createdAt: NOW,
    issuedAt: NOW,
    clientAuthPolicy: 'none',
    clientVerified: false,
    ageAdd: AGE_ADD,
    maxEarlyData: 100,
    ...over,
  };
  return sealTicket(nobleProvider, ctx.handshake.ticketKeys!, state, defaultRandom);
}

interface HelloOptions {
  ticket: Uint8Array;
  earlyData?: boolean;
  /** The age the client reports, in ms (default 1000, and the server's clock says 1000 too). */
  ageMs?: number;
  /** Put pre_shared_key before another extension. */
  pskNotLast?: boolean;
  /** Flip a byte of the binder after it is computed. */
  badBinder?: boolean;
  /** Append a second binder (one identity, two binders). */
  extraBinder?: boolean;
  modes?: number[];
}

/** A ClientHello (header included) offering `ticket` with a genuine binder, unless told otherwise. */
async function hello(o: HelloOptions): Promise<Uint8Array> {
  const share = await keyShare13(nobleProvider, 'x25519', defaultRandom);
  const exts: Extension[] = [
    { type: ET.server_name, data: X.encodeServerName('localhost') },
    { type: ET13.supported_versions, data: X13.encodeSupportedVersionsClient([0x0304]) },
    { type: ET.supported_groups, data: X.encodeSupportedGroups([29]) },
    { type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms([0x0804, 0x0403]) },
    { type: ET13.key_share, data: X13.encodeKeyShareClient([{ group: 29, keyExchange: share.pub }]) },
    { type: ET13.psk_key_exchange_modes, data: X13.encodePskKeyExchangeModes(o.modes ?? [1]) },
  ];
  if (o.earlyData) exts.push({ type: ET13.early_data, data: X13.encodeEarlyDataIndication() });
  const cand: PskCandidate = { identity: o.ticket, obfuscatedTicketAge: obfuscateTicketAge(o.ageMs ?? 1000, AGE_ADD), psk: PSK, hash: 'sha256', kind: 'res' };
  const psk = preSharedKeyPlaceholder([cand]);
  if (o.pskNotLast) exts.splice(exts.length - 1, 0, psk);
  else exts.push(psk);
  const body = M.encodeClientHello({
    version: 0x0303,
    random: defaultRandom(32),
    sessionId: new Uint8Array(0),
    cipherSuites: [SUITE.id],
    compressionMethods: [0],
    extensions: exts,
  });
  let filled = o.pskNotLast ? body : await fillBinders(nobleProvider, body, [cand]);
  if (o.badBinder) {
    filled = filled.slice();
    filled[filled.length - 1]! ^= 1;
  }
  if (o.extraBinder) filled = withExtraBinder(filled);
  return encodeHandshake(1, filled);
}

/** Appends a copy of the last binder to the binders list (and fixes the three enclosing lengths). */
function withExtraBinder(body: Uint8Array): Uint8Array {
  const binderLen = 32;
  const extra = body.slice(body.length - binderLen - 1);
  const out = new Uint8Array(body.length + extra.length);
  out.set(body);
  out.set(extra, body.length);
  const bump = (at: number) => {
    const v = ((out[at]! << 8) | out[at + 1]!) + extra.length;
    out[at] = v >> 8;
    out[at + 1] = v & 0xff;
  };
  // The binders list length sits right before the one binder; pre_shared_key's extension length and the extensions
  // block length are found by walking the hello.
  bump(body.length - (binderLen + 1) - 2);
  const ch = { off: 2 + 32 };
  ch.off += 1 + out[ch.off]!; // session id
  ch.off += 2 + ((out[ch.off]! << 8) | out[ch.off + 1]!); // suites
  ch.off += 1 + out[ch.off]!; // compression
  bump(ch.off); // extensions length
  let e = ch.off + 2;
  for (;;) {
    const type = (out[e]! << 8) | out[e + 1]!;
    const len = (out[e + 2]! << 8) | out[e + 3]!;
    if (type === ET13.pre_shared_key) {
      bump(e + 2);
      break;
    }
    e += 4 + len;
  }
  return out;
}

/** A record with the 1.2 record-layer version, as every record after the first ClientHello carries. */
const record = (type: number, body: Uint8Array) => rec(type, body, 0x0303);

/** The server's answer to `chMsg` (and `after`, records that follow it): its ServerHello, or its error code. */
async function serve(ctx: ReturnType<typeof context>, chMsg: Uint8Array, after: Uint8Array[] = [], now = NOW + 1000) {
  const e = new Engine<HandshakeResult>({ role: 'server', now: () => new Date(now), provider: nobleProvider });
  await e.start((io) => serverHandshake(io, ctx.handshake)).catch(() => {});
  await e.receive(record(22, chMsg)).catch(() => {});
  for (const r of after) await e.receive(r).catch(() => {});
  const out = e.takeOutgoing() ?? new Uint8Array(0);
  let sh: M.ServerHello | undefined;
  if (out[0] === 22) sh = M.decodeServerHello(out.subarray(9, 5 + ((out[3]! << 8) | out[4]!)));
  return { code: e.error?.code, sh, pskTaken: !!sh && !!findExtension(sh.extensions, ET13.pre_shared_key) };
}

/** Early-data records sealed with the client_early_traffic_secret of `chMsg` under our PSK. */
async function earlyRecords(chMsg: Uint8Array, chunks: Uint8Array[]): Promise<Uint8Array[]> {
  const ks = await KeySchedule13.start(nobleProvider, 'sha256', PSK);
  const secret = await ks.clientEarlyTrafficSecret(digest('sha256', chMsg));
  const prot = await protection13(nobleProvider, SUITE, secret);
  const out: Uint8Array[] = [];
  for (const c of chunks) out.push(record(23, (await prot.sealParts(23, 0x0303, c))[0]!));
  return out;
}

describe('TLS 1.3 server: hostile pre_shared_key offers', () => {
  it('a genuine offer is taken (the control case)', async () => {
    const ctx = context();
    const r = await serve(ctx, await hello({ ticket: await mint(ctx) }));
    expect(r.code).toBeUndefined();
    expect(r.pskTaken).toBe(true);
  });

  it('a wrong binder is decrypt_error', async () => {
    const ctx = context();
    const r = await serve(ctx, await hello({ ticket: await mint(ctx), badBinder: true }));
    expect(r.code).toBe('crypto_decrypt_error');
  });

  it('pre_shared_key not last is illegal_parameter', async () => {
    const ctx = context();
    const r = await serve(ctx, await hello({ ticket: await mint(ctx), pskNotLast: true }));
    expect(r.code).toBe('protocol_illegal_parameter');
  });

  it('more binders than identities is refused', async () => {
    const ctx = context();
    const r = await serve(ctx, await hello({ ticket: await mint(ctx), extraBinder: true }));
    expect(r.code).toBe('decode_bad_value');
  });

  it('an expired ticket, one for another name, or psk_ke only: a full handshake, no error', async () => {
    const ctx = context();
    const expired = await serve(ctx, await hello({ ticket: await mint(ctx, { createdAt: NOW - 7201_000, issuedAt: NOW - 7201_000 }) }));
    expect(expired).toMatchObject({ code: undefined, pskTaken: false });
    const otherName = await serve(ctx, await hello({ ticket: await mint(ctx, { serverName: 'other.example' }) }));
    expect(otherName).toMatchObject({ code: undefined, pskTaken: false });
    const pskKe = await serve(ctx, await hello({ ticket: await mint(ctx), modes: [0] }));
    expect(pskKe).toMatchObject({ code: undefined, pskTaken: false });
    const tls12 = await serve(ctx, await hello({ ticket: await mint(ctx, { version: 0x0303, masterSecret: new Uint8Array(48) }) }));
    expect(tls12).toMatchObject({ code: undefined, pskTaken: false });
  });
});

describe('TLS 1.3 server: psk_ke only where configured', () => {
  it('pskKeyExchangeModes with psk_ke: a psk_ke-only client resumes without a key share; psk_dhe_ke is still preferred', async () => {
    const ctx = context({ pskKe: true });
    const ke = await serve(ctx, await hello({ ticket: await mint(ctx), modes: [0] }));
    expect(ke).toMatchObject({ code: undefined, pskTaken: true });
    expect(findExtension(ke.sh!.extensions, ET13.key_share)).toBeUndefined();
    const both = await serve(ctx, await hello({ ticket: await mint(ctx), modes: [0, 1] }));
    expect(both).toMatchObject({ code: undefined, pskTaken: true });
    expect(findExtension(both.sh!.extensions, ET13.key_share)).toBeDefined();
  });
});

describe('TLS 1.3 server: hostile 0-RTT', () => {
  it('early data within max_early_data_size is taken; beyond it is unexpected_message', async () => {
    const ctx = context();
    const ch = await hello({ ticket: await mint(ctx), earlyData: true });
    const ok = await serve(ctx, ch, await earlyRecords(ch, [new Uint8Array(60), new Uint8Array(40)]));
    expect(ok).toMatchObject({ code: undefined, pskTaken: true });
    const ctx2 = context();
    const ch2 = await hello({ ticket: await mint(ctx2), earlyData: true });
    const over = await serve(ctx2, ch2, await earlyRecords(ch2, [new Uint8Array(60), new Uint8Array(41)]));
    expect(over.code).toBe('protocol_unexpected_message');
  });

  it('the same ClientHello replayed: early data skipped the second time, not delivered', async () => {
    const ctx = context();
    const ch = await hello({ ticket: await mint(ctx), earlyData: true });
    const early = await earlyRecords(ch, [new TextEncoder().encode('transfer 100')]);
    const first = new Engine<HandshakeResult>({ role: 'server', now: () => new Date(NOW + 1000), provider: nobleProvider });
    await first.start((io) => serverHandshake(io, ctx.handshake)).catch(() => {});
    await first.receive(record(22, ch));
    await first.receive(early[0]!);
    expect(first.error).toBeNull();
    expect(new TextDecoder().decode(first.takeReceived()!)).toBe('transfer 100');
    const again = new Engine<HandshakeResult>({ role: 'server', now: () => new Date(NOW + 1500), provider: nobleProvider });
    await again.start((io) => serverHandshake(io, ctx.handshake)).catch(() => {});
    await again.receive(record(22, ch));
    await again.receive(early[0]!);
    // Resumed (the binder is genuine), but the early data is trial-decrypted away: nothing for the application.
    expect(again.error).toBeNull();
    expect(again.takeReceived()).toBeNull();
    const out = again.takeOutgoing()!;
    const sh = M.decodeServerHello(out.subarray(9, 5 + ((out[3]! << 8) | out[4]!)));
    expect(findExtension(sh.extensions, ET13.pre_shared_key)).toBeDefined();
  });

  it('a ticket age outside the window gets no 0-RTT (the data is skipped)', async () => {
    const ctx = context();
    // The client claims 1 s; the server's clock says 30 s since issue.
    const ch = await hello({ ticket: await mint(ctx), earlyData: true, ageMs: 1000 });
    const e = new Engine<HandshakeResult>({ role: 'server', now: () => new Date(NOW + 30_000), provider: nobleProvider });
    await e.start((io) => serverHandshake(io, ctx.handshake)).catch(() => {});
    await e.receive(record(22, ch));
    await e.receive((await earlyRecords(ch, [new Uint8Array(10)]))[0]!);
    expect(e.error).toBeNull();
    expect(e.takeReceived()).toBeNull();
  });

  it('rejected early data past the skip budget is bad_record_mac', async () => {
    const ctx = context({ maxEarlyData: 0 });
    const ch = await hello({ ticket: await mint(ctx), earlyData: true });
    const chunks = Array.from({ length: 2 }, () => new Uint8Array(16000));
    const r = await serve(ctx, ch, await earlyRecords(ch, chunks));
    expect(r.code).toBe('crypto_bad_record_mac');
  });
});
