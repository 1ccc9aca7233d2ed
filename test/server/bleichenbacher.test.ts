/**
 * RSA key exchange against Bleichenbacher / ROBOT (RFC 5246 §7.4.7.1): whatever the ClientKeyExchange holds —
 * a well-formed premaster the client does not use, bad PKCS#1 padding, a wrong version, a wrong length — the server
 * goes on with a random premaster and fails at the client's Finished with the same alert and code, having sent
 * exactly the same bytes. The client's own (real) premaster is swapped out on the wire, so in every case the
 * server's keys differ from the client's.
 */
import { describe, it, expect } from 'vitest';
import { handshake, errCode, rsaServer, rewriteClientRecords } from '../loopback/harness.js';
import { parseCertificate } from '../../src/x509/certificate.js';
import { derBlobs } from '../../src/pem.js';
import { modPow, bytesToBigInt, bigIntToBytes } from '../../src/crypto/bigint.js';
import { randomBytes } from 'node:crypto';
import type { ByteStream } from '../../src/transport/types.js';

const leaf = parseCertificate(derBlobs(rsaServer.cert)[0]!.der);
const pub = leaf.publicKey as { kind: 'rsa'; n: bigint; e: bigint };
const k = 256;

function nonZero(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 1 + (randomBytes(1)[0]! % 255);
  return out;
}

/** Raw RSA on a chosen encoded message: lets the test build any padding. */
function rawEncrypt(em: Uint8Array): Uint8Array {
  return bigIntToBytes(modPow(bytesToBigInt(em), pub.e, pub.n), k);
}

function block(type: number, msg: Uint8Array, separator = true): Uint8Array {
  const em = new Uint8Array(k);
  em[1] = type;
  em.set(nonZero(k - 3 - msg.length), 2);
  if (!separator) em[k - msg.length - 1] = 7;
  em.set(msg, k - msg.length);
  return em;
}

const premaster = (major: number, minor: number, len = 48) => Uint8Array.from([major, minor, ...randomBytes(len - 2)]);

function variants(v: number): Record<string, Uint8Array> {
  return {
    'valid premaster (not the client\'s)': rawEncrypt(block(2, premaster(3, v))),
    'block type 1': rawEncrypt(block(1, premaster(3, v))),
    'no zero separator': rawEncrypt(block(2, premaster(3, v), false)),
    'wrong version': rawEncrypt(block(2, premaster(3, v === 3 ? 1 : 3))),
    'premaster of 47 bytes': rawEncrypt(block(2, premaster(3, v, 47))),
    'ciphertext one byte short': rawEncrypt(block(2, premaster(3, v))).subarray(1),
  };
}

/** Replace the ClientKeyExchange ciphertext; count what the server sends. */
function wire(ct: Uint8Array, counter: { n: number }): (end: ByteStream) => ByteStream {
  const rewrite = rewriteClientRecords((type, frag) => {
    if (type !== 22 || frag[0] !== 16) return frag;
    const body = Uint8Array.from([ct.length >> 8, ct.length & 0xff, ...ct]);
    return Uint8Array.from([16, 0, body.length >> 8, body.length & 0xff, ...body]);
  });
  return (end) => {
    const w = rewrite(end);
    const readable = w.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, c) {
          counter.n += chunk.length;
          c.enqueue(chunk);
        },
      }),
    );
    return { readable, writable: w.writable };
  };
}

describe('RSA key exchange: no padding or version oracle', () => {
  for (const [version, suite, minor] of [
    ['TLSv1.2', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 3],
    ['TLSv1.2', 'TLS_RSA_WITH_AES_256_CBC_SHA256', 3],
    ['TLSv1', 'TLS_RSA_WITH_AES_128_CBC_SHA', 1],
  ] as const) {
    it(`${version} ${suite}: every variant fails identically at the client Finished`, async () => {
      const seen: { name: string; server?: string; client?: string; bytes: number }[] = [];
      for (const [name, ct] of Object.entries(variants(minor))) {
        const counter = { n: 0 };
        const o = await handshake(
          { cipherSuites: [suite], minVersion: version, maxVersion: version },
          { ...rsaServer, minVersion: 'TLSv1' },
          wire(ct, counter),
        );
        seen.push({ name, server: errCode(o.server), client: errCode(o.client), bytes: counter.n });
      }
      for (const s of seen) {
        expect(s, s.name).toMatchObject({ server: 'crypto_bad_record_mac', client: 'peer_alert_bad_record_mac' });
        expect(s.bytes, s.name).toBe(seen[0]!.bytes);
      }
    });
  }
});
