/**
 * Automatic choice of bulk-crypto provider: WebCrypto for each algorithm the platform's
 * `crypto.subtle` offers and computes correctly, noble for the rest.
 *
 * The choice is made by a probe: a fixed input is sealed and opened through WebCrypto and must
 * give exactly what noble gives. A platform without `crypto.subtle` (plain HTTP pages, some
 * embedded runtimes) or with a broken or partial one therefore falls back per algorithm.
 */
import { nobleProvider } from './provider-noble.js';
import { webCryptoProvider } from './provider-webcrypto.js';
import { ecdheKeyPair, ecdheShared } from './kex.js';
import { CURVES } from './keys.js';
import { verifySignature } from './sig.js';
import type { CryptoProvider } from './types.js';
import { equalBytes } from '../bytes.js';
import { TlsError } from '../errors.js';
import { platform } from '../platform.js';

/** Which provider serves each family (pk: ECDHE and signatures; noble's absent operations mean the noble functions). */
export interface ProviderSelection {
  gcm: CryptoProvider;
  cbc: CryptoProvider;
  pk?: CryptoProvider;
}

const equal = (a: Uint8Array | null, b: Uint8Array | null) => !!a && !!b && equalBytes(a, b);
const filled = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (seed + i * 29) & 0xff);

async function gcmWorks(p: CryptoProvider): Promise<boolean> {
  const key = filled(16, 1);
  const nonce = filled(12, 2);
  const aad = filled(13, 3);
  const pt = filled(37, 4);
  const [ours, ref] = await Promise.all([p.aead('AES_128_GCM', key), nobleProvider.aead('AES_128_GCM', key)]);
  const ct = await ours.seal(nonce, aad, pt);
  if (!equal(ct, await ref.seal(nonce, aad, pt)) || !equal(await ours.open(nonce, aad, ct), pt)) return false;
  ct[0]! ^= 1;
  return (await ours.open(nonce, aad, ct)) === null;
}

async function cbcWorks(p: CryptoProvider): Promise<boolean> {
  const key = filled(16, 5);
  const iv = filled(16, 6);
  const pt = filled(48, 7);
  const [ours, ref] = await Promise.all([p.cbc('AES_128_CBC', key), nobleProvider.cbc('AES_128_CBC', key)]);
  const ct = await ours.encrypt(iv, pt);
  return equal(ct, await ref.encrypt(iv, pt)) && equal(await ours.decrypt(iv, ct), pt);
}

/** X25519 both ways between the provider and noble must agree, and a P-256 ECDSA signature must verify with noble. */
async function pkWorks(p: CryptoProvider): Promise<boolean> {
  const ours = await p.ecdhe?.('x25519');
  if (!ours) return false;
  const ref = ecdheKeyPair('x25519', () => filled(32, 8));
  if (!equal(await ours.agree(ref.pub), ecdheShared('x25519', ref.priv, ours.pub))) return false;
  const d = filled(32, 9);
  const point = CURVES['P-256'].getPublicKey(d, false);
  const alg = { kind: 'ecdsa', hash: 'sha256' } as const;
  const data = filled(20, 10);
  const sig = await p.sign?.(alg, { kind: 'ec', curve: 'P-256', d, point, bits: 256 }, data);
  const pub = { kind: 'ec', curve: 'P-256', point, bits: 256 } as const;
  return !!sig && verifySignature(alg, pub, data, sig) && (await p.verify?.(alg, pub, data, sig)) === true;
}

const probe = async (test: (p: CryptoProvider) => Promise<boolean>, p: CryptoProvider) => test(p).catch(() => false);

/** Probes `subtle` (default: the platform's; null: none) and says which provider serves each family. */
export async function selectProviders(subtle: SubtleCrypto | null | undefined = globalThis.crypto?.subtle): Promise<ProviderSelection> {
  if (!subtle) return { gcm: nobleProvider, cbc: nobleProvider };
  const web = webCryptoProvider(subtle);
  const [gcm, cbc, pk] = await Promise.all([probe(gcmWorks, web), probe(cbcWorks, web), probe(pkWorks, web)]);
  return { gcm: gcm ? web : nobleProvider, cbc: cbc ? web : nobleProvider, ...(pk ? { pk: web } : {}) };
}

/** One provider dispatching by family according to a selection (ChaCha20 always goes to noble). */
export function composeProvider(sel: ProviderSelection): CryptoProvider {
  const names = new Set([sel.gcm.name, sel.cbc.name, ...(sel.pk ? [sel.pk.name] : []), nobleProvider.name]);
  const pk = sel.pk;
  return {
    name: [...names].join('+'),
    aead: (cipher, key) => (cipher === 'CHACHA20_POLY1305' ? nobleProvider : sel.gcm).aead(cipher, key),
    cbc: (cipher, key) => sel.cbc.cbc(cipher, key),
    ...(pk?.ecdhe ? { ecdhe: pk.ecdhe.bind(pk) } : {}),
    ...(pk?.sign ? { sign: pk.sign.bind(pk) } : {}),
    ...(pk?.verify ? { verify: pk.verify.bind(pk) } : {}),
  };
}

/** The best provider for `subtle` (default: the platform's), after probing it. */
export async function selectProvider(subtle?: SubtleCrypto | null): Promise<CryptoProvider> {
  const sel = await selectProviders(subtle);
  return sel.gcm === nobleProvider && sel.cbc === nobleProvider && !sel.pk ? nobleProvider : composeProvider(sel);
}

let platformChoice: Promise<CryptoProvider> | null = null;
/** Which providers a `provider` option may name instead of giving an object. */
export type ProviderName = 'auto' | 'noble' | 'webcrypto' | 'node';

/**
 * The provider for a `provider` option: an object is used as given; 'noble' forces pure JavaScript (the browser
 * and edge fallback); 'webcrypto' probes crypto.subtle, noble for the rest; 'node' is node:crypto (only where the
 * Node entry registered it); 'auto' or nothing is the platform's default.
 */
export function resolveProvider(p: CryptoProvider | ProviderName | undefined): CryptoProvider {
  if (p === undefined || p === 'auto') return defaultProvider();
  if (typeof p !== 'string') return p;
  switch (p) {
    case 'noble':
      return nobleProvider;
    case 'webcrypto':
      return webCryptoDefault;
    case 'node':
      if (platform().cryptoProvider?.name === 'node') return platform().cryptoProvider!;
      throw new TlsError('config_invalid', "provider 'node' needs Node.js and puretls's Node entry (node:crypto is not available here)");
    default:
      throw new TlsError('config_invalid', `unknown provider ${JSON.stringify(p)} (expected 'auto', 'noble', 'webcrypto' or 'node')`);
  }
}

/**
 * The provider connect() and accept() use unless told otherwise: the platform's (src/platform.ts; the Node entry
 * installs node:crypto), or
 * one usable at once that probes WebCrypto on first use (once per process) and forwards every call to the choice.
 */
export function defaultProvider(): CryptoProvider {
  return platform().cryptoProvider ?? webCryptoDefault;
}

function chosen(): Promise<CryptoProvider> {
  platformChoice ??= selectProvider();
  return platformChoice;
}

const webCryptoDefault: CryptoProvider = {
  name: 'auto',
  aead: async (cipher, key) => (await chosen()).aead(cipher, key),
  cbc: async (cipher, key) => (await chosen()).cbc(cipher, key),
  // null: the chosen provider has no such operation, and ops.ts falls back to noble.
  ecdhe: async (group) => (await chosen()).ecdhe?.(group) ?? null,
  sign: async (alg, key, data) => (await chosen()).sign?.(alg, key, data) ?? null,
  verify: async (alg, key, data, sig) => (await chosen()).verify?.(alg, key, data, sig) ?? null,
};
