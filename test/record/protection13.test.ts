/**
 * TLS 1.3 record protection (RFC 8446 §5.2) against the RFC 8448 §3 trace: the server's encrypted handshake
 * flight opens with the handshake keys to EncryptedExtensions..Finished with inner type handshake, and sealing
 * that plaintext gives the same record back. Then tampering, padding and the per-record nonce.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createProtection13, MAX_CIPHERTEXT13 } from '../../src/record/protection13.js';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { webCryptoProvider } from '../../src/crypto/provider-webcrypto.js';
import { concat, fromHex as h, toHex } from '../../src/bytes.js';

const R = JSON.parse(readFileSync(new URL('../../vectors/crypto/tls13-keyschedule.json', import.meta.url), 'utf8')).rfc8448;
const record = h(R.serverHandshakeRecord);
const flight = concat(h(R.encryptedExtensions), h(R.certificate), h(R.certificateVerify), h('14000020'), h(R.serverFinishedVerifyData));

describe('RFC 8448 §3 server handshake record', () => {
  for (const [name, p] of [['noble', nobleProvider], ['webcrypto', webCryptoProvider()]] as const) {
    it(`${name}: opens to the server flight with inner type handshake, and seals back to the same bytes`, async () => {
      expect(toHex(record.subarray(0, 5))).toBe('17030302a2');
      const reader = await createProtection13(p, 'AES_128_GCM', h(R.serverHandshakeKey), h(R.serverHandshakeIv));
      const opened = await reader.open(record.subarray(5));
      expect(opened.type).toBe(22);
      expect(toHex(opened.plaintext)).toBe(toHex(flight));
      expect(reader.seq).toBe(1n);
      const writer = await createProtection13(p, 'AES_128_GCM', h(R.serverHandshakeKey), h(R.serverHandshakeIv));
      expect(toHex(await writer.seal(22, flight))).toBe(toHex(record.subarray(5)));
    });
  }
});

describe('TLSInnerPlaintext and the nonce', () => {
  const key = new Uint8Array(32).fill(3);
  const iv = h('000102030405060708090a0b');
  it('padding is stripped, the type recovered, each record uses the next nonce', async () => {
    const w = await createProtection13(nobleProvider, 'CHACHA20_POLY1305', key, iv);
    const r = await createProtection13(nobleProvider, 'CHACHA20_POLY1305', key, iv);
    const a = await w.seal(23, h('6869'), 10);
    const b = await w.seal(21, h('0100'));
    expect(a.length).toBe(2 + 1 + 10 + 16);
    expect(await r.open(a)).toEqual({ type: 23, plaintext: h('6869') });
    expect(await r.open(b)).toEqual({ type: 21, plaintext: h('0100') });
    // Out of order: the second record under the first nonce fails.
    const r2 = await createProtection13(nobleProvider, 'CHACHA20_POLY1305', key, iv);
    await expect(r2.open(b)).rejects.toMatchObject({ code: 'crypto_bad_record_mac' });
  });
  it('any flipped bit, a short fragment, an oversized one, and an all-padding record are refused', async () => {
    const w = await createProtection13(nobleProvider, 'AES_256_GCM', key, iv);
    const sealed = await w.seal(23, h('68656c6c6f'));
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      const r = await createProtection13(nobleProvider, 'AES_256_GCM', key, iv);
      await expect(r.open(bad)).rejects.toMatchObject({ code: 'crypto_bad_record_mac' });
    }
    const r = await createProtection13(nobleProvider, 'AES_256_GCM', key, iv);
    await expect(r.open(sealed.subarray(0, 16))).rejects.toMatchObject({ code: 'crypto_bad_record_mac' });
    await expect(r.open(new Uint8Array(MAX_CIPHERTEXT13 + 1))).rejects.toMatchObject({ code: 'decode_record_overflow' });
    const w2 = await createProtection13(nobleProvider, 'AES_256_GCM', key, iv);
    const zeros = await w2.seal(0, new Uint8Array(0), 5); // type 0 then padding: no content type at all
    const r3 = await createProtection13(nobleProvider, 'AES_256_GCM', key, iv);
    await expect(r3.open(zeros)).rejects.toMatchObject({ code: 'protocol_unexpected_message' });
  });
});
