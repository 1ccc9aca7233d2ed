/**
 * TLS 1.3 PSK binders, the pre_shared_key placement and the ticket-age arithmetic against RFC 8448 §4 (Resumed
 * 0-RTT Handshake) byte for byte: the ClientHello's binder over its truncated transcript, rebuilt from placeholder
 * binders; the early traffic secret, keys and the 0-RTT record; plus the HelloRetryRequest prefix and wrap-around.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  obfuscateTicketAge, deobfuscateTicketAge, ticketAgeMs, pskBinderKey, truncatedClientHello, computeBinder, binderOverHash,
  verifyBinder, preSharedKeyPlaceholder, pskExtensionIsLast, fillBinders, type PskCandidate,
} from '../../src/handshake/psk13.js';
import * as M from '../../src/handshake/messages.js';
import * as M13 from '../../src/handshake/messages13.js';
import * as X13 from '../../src/handshake/extensions13.js';
import { ExtensionType13 as ET13 } from '../../src/handshake/extensions13.js';
import { findExtension } from '../../src/handshake/extensions.js';
import { KeySchedule13, trafficKey, finishedKey } from '../../src/crypto/keyschedule.js';
import { createProtection13 } from '../../src/record/protection13.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { nodeProvider } from '../../src/crypto/provider-node.js';
import { hash } from '../../src/crypto/hash.js';
import { concat } from '../../src/bytes.js';
import { hex, toHex, repoRoot } from '../crypto/helpers.js';

const V = JSON.parse(readFileSync(path.join(repoRoot, 'vectors/handshake/rfc8448-resumption.json'), 'utf8'));
const CH = hex(V.clientHello);
const BINDERS_LEN = 2 + 1 + 32;

describe('RFC 8448 §4: the resumption ClientHello', () => {
  const nst = M13.decodeNewSessionTicket13(hex(V.newSessionTicket).subarray(4));
  const body = CH.subarray(4);
  const hello = M.decodeClientHello(body);
  const psk = X13.decodePreSharedKeyClient(findExtension(hello.extensions, ET13.pre_shared_key)!.data);

  it('offers the ticket of section 3 with the obfuscated age, last in the hello', () => {
    expect(nst.ageAdd).toBe(V.ticketAgeAdd);
    expect(psk.identities).toHaveLength(1);
    expect(toHex(psk.identities[0]!.identity)).toBe(toHex(nst.ticket));
    expect(psk.identities[0]!.obfuscatedTicketAge).toBe(V.obfuscatedTicketAge);
    expect(pskExtensionIsLast(hello.extensions)).toBe(true);
    expect(pskExtensionIsLast([...hello.extensions!].reverse())).toBe(false);
    expect(pskExtensionIsLast([])).toBe(true);
  });

  it('truncates the hello before the binders list and hashes it as the trace does', () => {
    const t = truncatedClientHello(CH, psk.binders);
    expect(t.length).toBe(CH.length - BINDERS_LEN);
    expect(toHex(hash('sha256', t))).toBe(V.truncatedHelloHash);
    expect(() => truncatedClientHello(CH.subarray(0, 20), psk.binders)).toThrow(/shorter/);
  });

  for (const [name, p] of [['noble', nobleProvider], ['node', nodeProvider]] as const) {
    it(`${name}: binder key, finished key and binder byte for byte`, async () => {
      const bk = await pskBinderKey(p, 'sha256', hex(V.resumptionPsk), 'res');
      expect(toHex(bk)).toBe(V.binderKey);
      expect(toHex(await finishedKey(p, 'sha256', bk))).toBe(V.binderFinishedKey);
      expect(toHex(await binderOverHash(p, 'sha256', bk, hex(V.truncatedHelloHash)))).toBe(V.binder);
      const t = truncatedClientHello(CH, psk.binders);
      expect(toHex(await computeBinder(p, 'sha256', hex(V.resumptionPsk), 'res', new Uint8Array(0), t))).toBe(V.binder);
      expect(toHex(psk.binders[0]!)).toBe(V.binder);
    });
  }

  it('an external PSK of the same bytes has another binder ("ext binder")', async () => {
    const t = truncatedClientHello(CH, psk.binders);
    expect(toHex(await computeBinder(nobleProvider, 'sha256', hex(V.resumptionPsk), 'ext', new Uint8Array(0), t))).not.toBe(V.binder);
  });

  it('verifyBinder accepts the trace binder and refuses a changed one, a short one and another PSK', async () => {
    const t = truncatedClientHello(CH, psk.binders);
    const p = nobleProvider;
    const k = hex(V.resumptionPsk);
    const none = new Uint8Array(0);
    expect(await verifyBinder(p, 'sha256', k, 'res', none, t, hex(V.binder))).toBe(true);
    const flipped = hex(V.binder);
    flipped[31]! ^= 1;
    expect(await verifyBinder(p, 'sha256', k, 'res', none, t, flipped)).toBe(false);
    expect(await verifyBinder(p, 'sha256', k, 'res', none, t, hex(V.binder).subarray(0, 31))).toBe(false);
    const other = k.slice();
    other[0]! ^= 1;
    expect(await verifyBinder(p, 'sha256', other, 'res', none, t, hex(V.binder))).toBe(false);
    // The binder covers the identities: change the obfuscated age, and it no longer verifies.
    const tampered = t.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(await verifyBinder(p, 'sha256', k, 'res', none, tampered, hex(V.binder))).toBe(false);
  });

  it('rebuilds the trace hello from placeholder binders, byte for byte', async () => {
    const candidate: PskCandidate = {
      identity: nst.ticket,
      obfuscatedTicketAge: obfuscateTicketAge(V.obfuscatedTicketAge - V.ticketAgeAdd, nst.ageAdd),
      psk: hex(V.resumptionPsk),
      hash: 'sha256',
      kind: 'res',
    };
    const exts = hello.extensions!.filter((e) => e.type !== ET13.pre_shared_key);
    const withPlaceholder = { ...hello, extensions: [...exts, preSharedKeyPlaceholder([candidate])] };
    const placeholderBody = M.encodeClientHello(withPlaceholder);
    expect(placeholderBody.length).toBe(body.length);
    expect(toHex(placeholderBody.subarray(body.length - 32))).toBe('00'.repeat(32));
    const filled = await fillBinders(nobleProvider, placeholderBody, [candidate]);
    expect(toHex(filled)).toBe(toHex(body));
    expect(toHex(placeholderBody.subarray(body.length - 32))).toBe('00'.repeat(32)); // not written in place
  });

  it('fillBinders refuses a hello whose tail is not the placeholders', async () => {
    const candidate: PskCandidate = { identity: nst.ticket, obfuscatedTicketAge: 0, psk: hex(V.resumptionPsk), hash: 'sha384', kind: 'res' };
    // A SHA-384 candidate expects a 48-byte binder: the 32-byte one of the trace is not its placeholder.
    await expect(fillBinders(nobleProvider, body, [candidate])).rejects.toThrow(/placeholder/);
    const noPsk = M.encodeClientHello({ ...hello, extensions: hello.extensions!.filter((e) => e.type !== ET13.pre_shared_key) });
    await expect(fillBinders(nobleProvider, noPsk, [{ ...candidate, hash: 'sha256' }])).rejects.toThrow(/placeholder/);
    expect(() => preSharedKeyPlaceholder([])).toThrow();
  });

  it('two candidates: each binder covers the same truncated hello, with its own hash length', async () => {
    const a: PskCandidate = { identity: Uint8Array.of(1, 2, 3), obfuscatedTicketAge: 7, psk: new Uint8Array(32).fill(1), hash: 'sha256', kind: 'res' };
    const b: PskCandidate = { identity: Uint8Array.of(4), obfuscatedTicketAge: 9, psk: new Uint8Array(48).fill(2), hash: 'sha384', kind: 'res' };
    const exts = hello.extensions!.filter((e) => e.type !== ET13.pre_shared_key);
    const filled = await fillBinders(nobleProvider, M.encodeClientHello({ ...hello, extensions: [...exts, preSharedKeyPlaceholder([a, b])] }), [a, b]);
    const got = X13.decodePreSharedKeyClient(findExtension(M.decodeClientHello(filled).extensions, ET13.pre_shared_key)!.data);
    expect(got.binders.map((x) => x.length)).toEqual([32, 48]);
    const msg = concat(Uint8Array.of(1, 0, filled.length >> 8, filled.length & 0xff), filled);
    const t = truncatedClientHello(msg, got.binders);
    expect(await verifyBinder(nobleProvider, 'sha256', a.psk, 'res', new Uint8Array(0), t, got.binders[0]!)).toBe(true);
    expect(await verifyBinder(nobleProvider, 'sha384', b.psk, 'res', new Uint8Array(0), t, got.binders[1]!)).toBe(true);
    expect(await verifyBinder(nobleProvider, 'sha256', a.psk, 'res', new Uint8Array(0), t, got.binders[1]!)).toBe(false);
  });

  it('after a HelloRetryRequest the binder covers message_hash(ClientHello1) || HRR || truncated ClientHello2', async () => {
    const ch1 = CH; // any ClientHello1
    const hrr = concat(Uint8Array.of(2, 0, 0, 6), Uint8Array.of(3, 3, 0, 0, 0, 0));
    const prefix = concat(M13.messageHash('sha256', ch1), hrr);
    const t = truncatedClientHello(CH, psk.binders);
    const k = hex(V.resumptionPsk);
    const withPrefix = await computeBinder(nobleProvider, 'sha256', k, 'res', prefix, t);
    const bk = await pskBinderKey(nobleProvider, 'sha256', k, 'res');
    expect(toHex(withPrefix)).toBe(toHex(await binderOverHash(nobleProvider, 'sha256', bk, hash('sha256', concat(prefix, t)))));
    expect(toHex(withPrefix)).not.toBe(V.binder);
    const exts = hello.extensions!.filter((e) => e.type !== ET13.pre_shared_key);
    const candidate: PskCandidate = { identity: nst.ticket, obfuscatedTicketAge: V.obfuscatedTicketAge, psk: k, hash: 'sha256', kind: 'res' };
    const filled = await fillBinders(nobleProvider, M.encodeClientHello({ ...hello, extensions: [...exts, preSharedKeyPlaceholder([candidate])] }), [candidate], prefix);
    expect(toHex(filled.subarray(filled.length - 32))).toBe(toHex(withPrefix));
  });

  it('the early secret, client_early_traffic_secret, its keys and the 0-RTT record of the trace', async () => {
    const ks = await KeySchedule13.start(nobleProvider, 'sha256', hex(V.resumptionPsk));
    expect(toHex(ks.current)).toBe(V.earlySecret);
    const cets = await ks.clientEarlyTrafficSecret(hash('sha256', CH));
    expect(toHex(cets)).toBe(V.clientEarlyTrafficSecret);
    const k = await trafficKey(nobleProvider, 'sha256', cets, 16);
    expect(toHex(k.key)).toBe(V.earlyKey);
    expect(toHex(k.iv)).toBe(V.earlyIv);
    const prot = await createProtection13(nobleProvider, 'AES_128_GCM', k.key, k.iv);
    const frag = await prot.seal(23, hex(V.earlyPlaintext));
    expect(toHex(concat(Uint8Array.of(23, 3, 3, frag.length >> 8, frag.length & 0xff), frag))).toBe(V.earlyRecord);
  });
});

describe('obfuscated_ticket_age (RFC 8446 §4.2.11.1)', () => {
  it('adds age_add modulo 2^32 and the server recovers the age', () => {
    expect(obfuscateTicketAge(6, 0xfad6aac5)).toBe(0xfad6aacb);
    expect(deobfuscateTicketAge(0xfad6aacb, 0xfad6aac5)).toBe(6);
    expect(obfuscateTicketAge(10, 0xfffffffb)).toBe(5); // wraps
    expect(deobfuscateTicketAge(5, 0xfffffffb)).toBe(10);
    expect(obfuscateTicketAge(0x1_0000_0003, 1)).toBe(4); // an age past 2^32 ms wraps like the sum
    expect(obfuscateTicketAge(-50, 7)).toBe(7); // a clock that went back: age 0
    expect(obfuscateTicketAge(NaN, 7)).toBe(7);
    expect(obfuscateTicketAge(12.9, 0)).toBe(12);
    for (let i = 0; i < 200; i++) {
      const age = Math.floor(Math.random() * 604800_000);
      const add = Math.floor(Math.random() * 0x1_0000_0000);
      const o = obfuscateTicketAge(age, add);
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(0x1_0000_0000);
      expect(deobfuscateTicketAge(o, add)).toBe(age);
    }
  });
  it('ticketAgeMs is the clock difference, never negative', () => {
    expect(ticketAgeMs(1000, 4500)).toBe(3500);
    expect(ticketAgeMs(5000, 4500)).toBe(0);
  });
});
