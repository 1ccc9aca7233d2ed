/**
 * The record path without a promise per record (issue 21): with a synchronous cipher (node:crypto) the engine seals
 * a write and opens received application data in the caller's turn. Two engines are opened on fixed keys (no
 * handshake) so the tests see exactly which records go where, and what is handed over before any await.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine.js';
import { nodeProvider } from '../../src/crypto/provider-node.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { tls12SuiteByName } from '../../src/crypto/suites.js';
import type { CryptoProvider } from '../../src/crypto/types.js';
import { createProtection, type Protection } from '../../src/record/protection.js';
import { recordProtection13 } from '../../src/record/protection13.js';
import type { HandshakeIO } from '../../src/handshake/io.js';
import { concat } from '../../src/bytes.js';
import { TlsError } from '../../src/errors.js';

const TLS12 = 0x0303;
const fill = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i * 7) & 0xff);

type Kind = 'gcm12' | 'chacha12' | 'gcm13' | 'chacha13' | 'cbc10' | 'cbc12' | 'cbc12etm';
const versionOf = (kind: Kind) => (kind === 'cbc10' ? 0x0301 : TLS12);

/** One direction's protection on fixed keys (`gen` picks another key, as after a KeyUpdate). */
async function protection(kind: Kind, provider: CryptoProvider, gen = 0): Promise<Protection> {
  if (kind === 'gcm13' || kind === 'chacha13') {
    const cipher = kind === 'gcm13' ? 'AES_128_GCM' : 'CHACHA20_POLY1305';
    return recordProtection13(provider, cipher, fill(cipher === 'AES_128_GCM' ? 16 : 32, 1 + gen), fill(12, 2 + gen));
  }
  if (kind.startsWith('cbc')) {
    // TLS 1.0: the IV chains from the key block; 1.1+: explicit per record. Encrypt-then-MAC (RFC 7366) or not.
    const suite = tls12SuiteByName('TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA')!;
    const version = versionOf(kind);
    const iv = kind === 'cbc10' ? fill(16, 3 + gen) : new Uint8Array(0);
    return createProtection({ suite, version, key: fill(16, 1 + gen), macKey: fill(20, 2 + gen), iv, provider, random: defaultRandom, encryptThenMac: kind === 'cbc12etm' });
  }
  const suite = tls12SuiteByName(kind === 'gcm12' ? 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' : 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256')!;
  return createProtection({ suite, version: TLS12, key: fill(suite.keyLen, 1 + gen), macKey: new Uint8Array(0), iv: fill(suite.fixedIvLen, 2 + gen), provider, random: defaultRandom });
}

/** An engine past its (absent) handshake, writing and reading under the given protections. */
async function openEngine(kind: Kind, provider: CryptoProvider, write: Protection, read: Protection): Promise<{ engine: Engine; io: HandshakeIO }> {
  const engine = new Engine({ provider, role: 'client' });
  let io!: HandshakeIO;
  await engine.start(async (x) => {
    io = x;
    x.setVersion(versionOf(kind) as 0x0303);
    if (kind.endsWith('13')) x.enableTls13();
    x.setReadProtection(read);
    await x.setWriteProtection(write);
  });
  expect(engine.state).toBe('open');
  return { engine, io };
}

/** A writer and a reader on the same keys. */
async function enginePair(kind: Kind, provider: CryptoProvider) {
  const a = await openEngine(kind, provider, await protection(kind, provider), await protection(kind, provider, 10));
  const b = await openEngine(kind, provider, await protection(kind, provider, 10), await protection(kind, provider));
  return { a, b };
}

/**
 * noble, with its CBC cipher offered asynchronously only (as a provider whose CBC really is asynchronous, e.g.
 * WebCrypto's, does): the record layer must take its queued path.
 */
const asyncCbcProvider: CryptoProvider = {
  ...nobleProvider,
  async cbc(cipher, key) {
    const c = await nobleProvider.cbc(cipher, key);
    // Each call answers in a later macrotask, after whatever the caller does in its own turn.
    const later = <T>(f: () => T) =>
      new Promise<T>((resolve, reject) =>
        setTimeout(() => {
          try {
            resolve(f());
          } catch (e) {
            reject(e);
          }
        }, 0),
      );
    return { encrypt: (iv, data) => later(() => c.encryptSync!(iv, data)), decrypt: (iv, data) => later(() => c.decryptSync!(iv, data)) };
  },
};

const KINDS: Kind[] = ['gcm12', 'chacha12', 'gcm13', 'chacha13', 'cbc10', 'cbc12', 'cbc12etm'];

describe('record protections with node:crypto offer synchronous forms', () => {
  it.each(KINDS)('%s: sealPartsSync/openRecordSync round-trip, agree with the async forms, and refuse a changed record', async (kind) => {
    const V = versionOf(kind);
    const [w1, r1, w2, r2] = await Promise.all([protection(kind, nodeProvider), protection(kind, nodeProvider), protection(kind, nobleProvider), protection(kind, nobleProvider)]);
    expect(w1.sealPartsSync).toBeTypeOf('function');
    expect(r1.openRecordSync).toBeTypeOf('function');
    // noble's ciphers are synchronous too (pure JS), AEADs and CBC alike: no promise per record either.
    expect(w2.sealPartsSync).toBeTypeOf('function');
    expect(r2.openRecordSync).toBeTypeOf('function');
    for (const [i, data] of [fill(1000, 9), fill(16384, 10), fill(1, 11)].entries()) {
      const sealed = concat(...w1.sealPartsSync!(23, V, data));
      const byNoble = concat(...(await w2.sealParts(23, V, data)));
      // AEADs are deterministic: the same keys and sequence number give the same bytes. CBC draws explicit IVs.
      if (!kind.startsWith('cbc')) expect(byNoble, `record ${i}`).toEqual(sealed);
      // Each opens what the other sealed: noble asynchronously, node:crypto in the caller's turn.
      expect(await r2.open(23, V, sealed)).toEqual(data);
      expect(r1.openRecordSync!(23, V, byNoble)).toEqual({ type: 23, data });
    }
    const bad = concat(...w1.sealPartsSync!(23, V, fill(1000, 12)));
    bad[bad.length - 3]! ^= 1;
    expect(() => r1.openRecordSync!(23, V, bad)).toThrow(expect.objectContaining({ code: 'crypto_bad_record_mac' }));
    // A protection serves one direction only, whichever form is called.
    expect(() => r1.sealPartsSync!(23, V, fill(10, 1))).toThrow(TlsError);
  });
});

describe('engine: the record path in the caller\'s turn with a synchronous cipher', () => {
  /** send() has sealed its records and receive() handed the data over before either is awaited. */
  async function inCallersTurn(kind: Kind, provider: CryptoProvider, seed: number): Promise<void> {
    const { a, b } = await enginePair(kind, provider);
    const data = fill(40000, seed); // three records (TLS 1.0 CBC: four, the first holding one byte)
    if (kind === 'cbc10') a.io.setSplitFirstByte(true);
    const sent = a.engine.send(data);
    const wire = a.engine.takeOutgoing();
    expect(wire).not.toBeNull();
    await sent;
    const got = b.engine.receive(wire!);
    expect(b.engine.takeReceived()).toEqual(data);
    await got;
  }

  it.each(KINDS)('%s: send() has sealed its records and receive() handed the data over before either is awaited', (kind) => inCallersTurn(kind, nodeProvider, 3));

  it.each(KINDS)('noble %s: sealed and handed over in the caller\'s turn too (its AEADs and CBC are synchronous)', (kind) => inCallersTurn(kind, nobleProvider, 8));

  it('an asynchronous cipher (noble CBC behind promises only) still gets there through the queued path, in order', async () => {
    const { a, b } = await enginePair('cbc12', asyncCbcProvider);
    expect((await protection('cbc12', asyncCbcProvider)).sealPartsSync).toBeUndefined();
    const parts = [fill(20000, 1), fill(5, 2), fill(17000, 3)];
    await Promise.all(parts.map((p) => a.engine.send(p)));
    await b.engine.receive(a.engine.takeOutgoing()!);
    expect(b.engine.takeReceived()).toEqual(concat(...parts));
  });

  it('data, then a changed record in one read: the data is delivered, then bad_record_mac with a fatal alert', async () => {
    const { a, b } = await enginePair('gcm12', nodeProvider);
    await a.engine.send(fill(100, 1));
    const first = a.engine.takeOutgoing()!;
    await a.engine.send(fill(100, 2));
    const second = a.engine.takeOutgoing()!;
    second[second.length - 1]! ^= 1;
    await expect(b.engine.receive(concat(first, second))).rejects.toMatchObject({ code: 'crypto_bad_record_mac' });
    expect(b.engine.takeReceived()).toEqual(fill(100, 1));
    expect(b.engine.state).toBe('failed');
    const alert = b.engine.takeOutgoing();
    expect(alert?.[0]).toBe(21); // the fatal alert record (TLS 1.2: alert header)
  });

  it('data and close_notify in one read: the data is delivered and the peer is closed', async () => {
    const { a, b } = await enginePair('gcm12', nodeProvider);
    await a.engine.send(fill(3000, 4));
    await a.engine.close();
    await b.engine.receive(a.engine.takeOutgoing()!);
    expect(b.engine.takeReceived()).toEqual(fill(3000, 4));
    expect(b.engine.peerClosed).toBe(true);
  });

  it.each(['gcm13', 'chacha13'] as const)('%s: data, KeyUpdate, data under the new key in one read: all delivered in order', async (kind) => {
    const { a, b } = await enginePair(kind, nodeProvider);
    const newRead = await protection(kind, nodeProvider, 20);
    const newWrite = await protection(kind, nodeProvider, 20);
    let updates = 0;
    b.io.setPostHandshake(async (m) => {
      expect(m.type).toBe(24);
      updates++;
      b.io.setReadProtection(newRead);
    });
    const before = fill(20000, 5);
    const after = fill(20000, 6);
    const sends = [a.engine.send(before), a.io.send(24, Uint8Array.of(0)), a.io.setWriteProtection(newWrite), a.engine.send(after)];
    await Promise.all(sends);
    await b.engine.receive(a.engine.takeOutgoing()!);
    expect(updates).toBe(1);
    expect(b.engine.takeReceived()).toEqual(concat(before, after));
    // And the next record, alone, opens under the new key in the caller's turn again.
    const sent = a.engine.send(fill(10, 7));
    await b.engine.receive(a.engine.takeOutgoing()!);
    await sent;
    expect(b.engine.takeReceived()).toEqual(fill(10, 7));
  });
});
