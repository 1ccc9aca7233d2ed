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
import type { CryptoProvider } from './types.js';

/** Which provider serves each family. */
export interface ProviderSelection {
  gcm: CryptoProvider;
  cbc: CryptoProvider;
}

const equal = (a: Uint8Array | null, b: Uint8Array | null) => !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);
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

const probe = async (test: (p: CryptoProvider) => Promise<boolean>, p: CryptoProvider) => test(p).catch(() => false);

/** Probes `subtle` (default: the platform's; null: none) and says which provider serves each family. */
export async function selectProviders(subtle: SubtleCrypto | null | undefined = globalThis.crypto?.subtle): Promise<ProviderSelection> {
  if (!subtle) return { gcm: nobleProvider, cbc: nobleProvider };
  const web = webCryptoProvider(subtle);
  const [gcm, cbc] = await Promise.all([probe(gcmWorks, web), probe(cbcWorks, web)]);
  return { gcm: gcm ? web : nobleProvider, cbc: cbc ? web : nobleProvider };
}

/** One provider dispatching by family according to a selection (ChaCha20 always goes to noble). */
export function composeProvider(sel: ProviderSelection): CryptoProvider {
  const names = new Set([sel.gcm.name, sel.cbc.name, nobleProvider.name]);
  return {
    name: [...names].join('+'),
    aead: (cipher, key) => (cipher === 'CHACHA20_POLY1305' ? nobleProvider : sel.gcm).aead(cipher, key),
    cbc: (cipher, key) => sel.cbc.cbc(cipher, key),
  };
}

/** The best provider for `subtle` (default: the platform's), after probing it. */
export async function selectProvider(subtle?: SubtleCrypto | null): Promise<CryptoProvider> {
  const sel = await selectProviders(subtle);
  return sel.gcm === nobleProvider && sel.cbc === nobleProvider ? nobleProvider : composeProvider(sel);
}

let platformChoice: Promise<CryptoProvider> | null = null;

/**
 * The provider connect() and accept() use unless told otherwise. It is usable at once: the platform
 * is probed on first use (once per process) and every call is then forwarded to the chosen provider.
 */
export function defaultProvider(): CryptoProvider {
  return platformDefault;
}

function chosen(): Promise<CryptoProvider> {
  platformChoice ??= selectProvider();
  return platformChoice;
}

const platformDefault: CryptoProvider = {
  name: 'auto',
  aead: async (cipher, key) => (await chosen()).aead(cipher, key),
  cbc: async (cipher, key) => (await chosen()).cbc(cipher, key),
};
