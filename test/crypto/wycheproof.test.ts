/**
 * Wycheproof (C2SP testvectors_v1) through the project's crypto API. Every "valid" case must succeed and every
 * "invalid" one must fail; "acceptable" cases are counted, and asserted where TLS has a rule (x25519 zero secrets).
 * Out-of-scope parameter sizes are skipped with the reason printed.
 */
import { describe, it, expect } from 'vitest';
import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { hmac } from '../../src/crypto/hash.js';
import { parseSpki, parsePrivateKey } from '../../src/crypto/keys.js';
import { verifySignature } from '../../src/crypto/sig.js';
import { ecdheShared } from '../../src/crypto/kex.js';
import { pkcs1Type2Message, rsaDecryptPkcs1, type RsaPrivateKey } from '../../src/crypto/rsa.js';
import { nodeEcdheShare, nodeHashes, nodeProvider } from '../../src/crypto/provider-node.js';
import { checkedShare } from '../../src/crypto/ops.js';
import type { EcdheGroup, HashName, PublicKey, SigAlg } from '../../src/crypto/types.js';
import { haveWycheproof, wycheproof, hex, toHex } from './helpers.js';

type Test = { tcId: number; result: 'valid' | 'invalid' | 'acceptable'; flags: string[]; comment: string; [k: string]: any };
type Outcome = boolean | { skip: string };

const HASHES: Record<string, HashName> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/**
 * Run `check` over every test of every group: it returns true when our code accepted/produced the expected
 * result, false when it rejected. Collects mismatches, prints per-file counts.
 */
async function runFile(file: string, check: (g: any, t: Test) => Outcome | Promise<Outcome>, acceptableRule?: (t: Test, ok: boolean) => string | null) {
  const data = wycheproof(file);
  const counts = { valid: 0, invalid: 0, acceptable: 0, skipped: 0 };
  const skipReasons = new Map<string, number>();
  const failures: string[] = [];
  for (const g of data.testGroups as any[]) {
    for (const t of g.tests as Test[]) {
      let r: Outcome;
      try {
        r = await check(g, t);
      } catch (e) {
        r = false; // our API refused the input
        if (t.result === 'valid') failures.push(`tc${t.tcId} valid threw: ${(e as Error).message}`);
      }
      if (typeof r === 'object') {
        counts.skipped++;
        skipReasons.set(r.skip, (skipReasons.get(r.skip) ?? 0) + 1);
        continue;
      }
      counts[t.result]++;
      if (t.result === 'valid' && !r && !failures.some((f) => f.startsWith(`tc${t.tcId} `))) failures.push(`tc${t.tcId} valid rejected (${t.comment}; ${t.flags})`);
      if (t.result === 'invalid' && r) failures.push(`tc${t.tcId} invalid accepted (${t.comment}; ${t.flags})`);
      if (t.result === 'acceptable' && acceptableRule) {
        const bad = acceptableRule(t, r);
        if (bad) failures.push(`tc${t.tcId} acceptable: ${bad}`);
      }
    }
  }
  const skips = [...skipReasons].map(([k, v]) => `${v} ${k}`).join(', ');
  console.log(
    `wycheproof ${file}: ${counts.valid} valid, ${counts.invalid} invalid, ${counts.acceptable} acceptable checked; ${counts.skipped} skipped${skips ? ` (${skips})` : ''}; ${failures.length} failures`,
  );
  expect(failures).toEqual([]);
  expect(counts.valid + counts.invalid).toBeGreaterThan(0);
}

// ---------- what both providers run ----------
type AeadName = 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305';
/**
 * AES-GCM and ChaCha20-Poly1305 as TLS uses them (96-bit nonce, 128-bit tag, no AES-192): `check` gets the cipher
 * and the test, and says whether the provider opened the ciphertext to the message and sealed it back.
 */
function aeadCases(check: (cipher: AeadName, t: Test) => Promise<boolean>) {
  it.each([
    ['aes_gcm_test.json', 'gcm'],
    ['chacha20_poly1305_test.json', 'chacha'],
  ] as const)('%s', async (file, kind) => {
    await runFile(file, async (g, t) => {
      if (g.ivSize !== 96) return { skip: `${g.ivSize}-bit nonce (TLS uses 96)` };
      if (g.tagSize !== 128) return { skip: `${g.tagSize}-bit tag` };
      if (kind === 'gcm' && g.keySize === 192) return { skip: 'AES-192 (no TLS suite)' };
      return check(kind === 'chacha' ? 'CHACHA20_POLY1305' : g.keySize === 128 ? 'AES_128_GCM' : 'AES_256_GCM', t);
    });
  });
}

const HMAC_FILES = [
  ['hmac_sha1_test.json', 'sha1'],
  ['hmac_sha256_test.json', 'sha256'],
  ['hmac_sha384_test.json', 'sha384'],
] as const;
const GROUP: Record<string, EcdheGroup> = { secp256r1: 'secp256r1', secp384r1: 'secp384r1' };
const SCALAR_LEN: Record<string, number> = { secp256r1: 32, secp384r1: 48 };
/** Wycheproof private keys are minimal two's-complement integers; the key agreements take fixed-width scalars. */
const scalar = (curve: string, h: string) => hex(BigInt(`0x${h || '0'}`).toString(16).padStart(SCALAR_LEN[curve]! * 2, '0'));
/** TLS 1.2 ECDHE shares are uncompressed only (RFC 8422 §5.1.1), so compressed points must be refused. */
const compressedRefused = (t: Test, ok: boolean) => (t.flags.includes('CompressedPoint') && ok ? 'compressed point accepted' : null);
/** An all-zero X25519 secret must be refused (RFC 7748 §6.1); every other "acceptable" (low-order) input is taken. */
const x25519Rule = (t: Test, ok: boolean) => {
  if (/^0+$/.test(t.shared)) return ok ? 'all-zero shared secret accepted' : null;
  return ok ? null : `refused a non-low-order input (${t.flags})`;
};
type Verify = (alg: SigAlg, key: PublicKey, data: Uint8Array, sig: Uint8Array) => boolean | Promise<boolean>;
/** The shared secret (hex) of `priv` with the peer's `pub`, by the provider under test. */
type Agree = (group: EcdheGroup, priv: Uint8Array, pub: Uint8Array) => string | Promise<string>;

/** HMAC, ECDH on raw points and X25519, and the signature files, through one provider's `hmac`, `agree` and `verify`. */
function sharedCases(p: { hmac: (h: HashName, key: Uint8Array, msg: Uint8Array) => Uint8Array; agree: Agree; verify: Verify }) {
  it.each(HMAC_FILES)('%s', async (file, h) => {
    await runFile(file, (g, t) => toHex(p.hmac(h, hex(t.key), hex(t.msg)).subarray(0, g.tagSize / 8)) === t.tag);
  });

  it.each(['ecdh_secp256r1_ecpoint_test.json', 'ecdh_secp384r1_ecpoint_test.json'])('%s (raw points)', async (file) => {
    // Scalars out of [1, n-1] are refused by OpenSSL's key import, as by noble's.
    await runFile(file, async (g, t) => (await p.agree(GROUP[g.curve]!, scalar(g.curve, t.private), hex(t.public))) === t.shared, compressedRefused);
  });
  it('x25519_test.json', async () => {
    await runFile('x25519_test.json', async (_g, t) => (await p.agree('x25519', hex(t.private), hex(t.public))) === t.shared, x25519Rule);
  });

  it.each([
    'rsa_signature_2048_sha256_test.json',
    'rsa_signature_2048_sha384_test.json',
    'rsa_signature_2048_sha512_test.json',
    'rsa_signature_3072_sha256_test.json',
    'rsa_signature_4096_sha384_test.json',
  ])('%s', async (file) => {
    await runFile(file, (g, t) => p.verify({ kind: 'rsa-pkcs1', hash: HASHES[g.sha]! }, parseSpki(hex(g.publicKeyDer)), hex(t.msg), hex(t.sig)));
  });
  it('rsa_pss_2048_sha256_mgf1_32_test.json', async () => {
    await runFile('rsa_pss_2048_sha256_mgf1_32_test.json', (g, t) => {
      if (g.mgf !== 'MGF1' || g.mgfSha !== g.sha) return { skip: 'MGF hash differs from the message hash' };
      return p.verify({ kind: 'rsa-pss', hash: HASHES[g.sha]!, saltLength: g.sLen }, parseSpki(hex(g.publicKeyDer)), hex(t.msg), hex(t.sig));
    });
  });
  it.each([
    'ecdsa_secp256r1_sha256_test.json',
    'ecdsa_secp256r1_sha512_test.json',
    'ecdsa_secp384r1_sha256_test.json',
    'ecdsa_secp384r1_sha384_test.json',
  ])('%s', async (file) => {
    await runFile(file, (g, t) => p.verify({ kind: 'ecdsa', hash: HASHES[g.sha]! }, parseSpki(hex(g.publicKeyDer)), hex(t.msg), hex(t.sig)));
  });
}

/** The RSA PKCS#1 v1.5 decryption files: `decrypt` gives the message, or null when the padding check refuses. */
function rsaPkcs1Cases(title: string, decrypt: (k: RsaPrivateKey, ct: Uint8Array) => Uint8Array | null | Promise<Uint8Array | null>) {
  it.each(['rsa_pkcs1_2048_test.json', 'rsa_pkcs1_3072_test.json', 'rsa_pkcs1_4096_test.json'])(title, async (file) => {
    const keys = new Map<string, RsaPrivateKey>();
    await runFile(file, async (g, t) => {
      let k = keys.get(g.privateKeyPkcs8);
      if (!k) keys.set(g.privateKeyPkcs8, (k = parsePrivateKey(hex(g.privateKeyPkcs8)) as RsaPrivateKey));
      const m = await decrypt(k, hex(t.ct));
      return m !== null && toHex(m) === t.msg;
    });
  });
}

describe.skipIf(!haveWycheproof)('Wycheproof', () => {
  // ---------- AEAD ----------
  aeadCases(async (cipher, t) => {
    const aead = await nobleProvider.aead(cipher, hex(t.key));
    const ctTag = hex(t.ct + t.tag);
    const opened = await aead.open(hex(t.iv), hex(t.aad), ctTag);
    if (opened === null) return false;
    if (toHex(opened) !== t.msg) return false;
    return toHex(await aead.seal(hex(t.iv), hex(t.aad), hex(t.msg))) === t.ct + t.tag;
  });

  // ---------- AES-CBC with PKCS#7 checked here ----------
  function pkcs7Unpad(b: Uint8Array): Uint8Array | null {
    if (b.length === 0 || b.length % 16) return null;
    const n = b[b.length - 1]!;
    if (n < 1 || n > 16) return null;
    for (let i = b.length - n; i < b.length; i++) if (b[i] !== n) return null;
    return b.subarray(0, b.length - n);
  }
  function pkcs7Pad(b: Uint8Array): Uint8Array {
    const n = 16 - (b.length % 16);
    return Uint8Array.from([...b, ...new Array(n).fill(n)]);
  }
  it('aes_cbc_pkcs5_test.json', async () => {
    await runFile('aes_cbc_pkcs5_test.json', async (g, t) => {
      if (g.keySize === 192) return { skip: 'AES-192 (no TLS suite)' };
      const c = await nobleProvider.cbc(g.keySize === 128 ? 'AES_128_CBC' : 'AES_256_CBC', hex(t.key));
      const ct = hex(t.ct);
      if (ct.length === 0 || ct.length % 16) return false;
      const plain = pkcs7Unpad(await c.decrypt(hex(t.iv), ct));
      if (plain === null || toHex(plain) !== t.msg) return false;
      return toHex(await c.encrypt(hex(t.iv), pkcs7Pad(hex(t.msg)))) === t.ct;
    });
  });

  // ---------- HMAC, ECDH, signatures ----------
  sharedCases({ hmac, agree: (group, priv, pub) => toHex(ecdheShared(group, priv, pub)), verify: verifySignature });

  const CURVE_NAME: Record<string, string> = { secp256r1: 'P-256', secp384r1: 'P-384' };
  it.each(['ecdh_secp256r1_test.json', 'ecdh_secp384r1_test.json'])('%s (SPKI public keys)', async (file) => {
    await runFile(file, (g, t) => {
      const pub = parseSpki(hex(t.public));
      if (pub.kind !== 'ec' || pub.curve !== CURVE_NAME[g.curve]) return false; // wrong curve
      return toHex(ecdheShared(GROUP[g.curve]!, scalar(g.curve, t.private), pub.point)) === t.shared;
    });
  });

  // ---------- RSA PKCS#1 v1.5 decryption ----------
  rsaPkcs1Cases('%s', (k, ct) => rsaDecryptPkcs1(k, ct));
});

/**
 * The same files through the node:crypto provider, by the paths a handshake takes: src/crypto/ops.ts (peer share
 * checks, the X25519 zero check, signature dispatch) over node:crypto, and the raw RSA operation followed by our
 * PKCS#1 check.
 */
describe.skipIf(!haveWycheproof)('Wycheproof through the node:crypto provider', () => {
  aeadCases(async (cipher, t) => {
    const aead = await nodeProvider.aead(cipher, hex(t.key));
    const opened = aead.openSync!(hex(t.iv), hex(t.aad), hex(t.ct + t.tag));
    if (opened === null || toHex(opened) !== t.msg) return false;
    if ((await aead.open(hex(t.iv), hex(t.aad), hex(t.ct + t.tag))) === null) return false;
    return toHex(aead.sealSync!(hex(t.iv), hex(t.aad), hex(t.msg))) === t.ct + t.tag && toHex(await aead.seal(hex(t.iv), hex(t.aad), hex(t.msg))) === t.ct + t.tag;
  });
  sharedCases({
    hmac: nodeHashes.hmac,
    agree: async (group, priv, pub) => toHex(await checkedShare(group, nodeEcdheShare(group, priv)!).agree(pub)),
    verify: nodeVerified,
  });

  rsaPkcs1Cases('%s (raw private operation, our padding check)', async (k, ct) => {
    const block = await nodeProvider.rsaDecryptRaw!(k, ct);
    return block === null ? null : pkcs1Type2Message(block);
  });
});

/** The provider's own answer: a signature check the node provider declines would silently test noble instead. */
async function nodeVerified(alg: SigAlg, key: PublicKey, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  const r = await nodeProvider.verify!(alg, key, data, sig);
  if (r === null) throw new Error('the node provider declined');
  return r;
}
