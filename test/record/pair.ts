import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { TLS10, tls12SuiteByName, type Tls12Suite } from '../../src/crypto/suites.js';
import { createProtection, type Protection } from '../../src/record/protection.js';
import { bytes } from './ref.js';

export function suite(name: string): Tls12Suite {
  const s = tls12SuiteByName(name);
  if (!s) throw new Error(`no suite ${name}`);
  return s;
}

/** The IV the key block gives a suite in a version. */
export function ivLen(s: Tls12Suite, version: number): number {
  return s.type === 'aead' ? s.fixedIvLen : version === TLS10 ? 16 : 0;
}

/** A writer and a reader sharing fixed test keys. */
export async function pair(s: Tls12Suite, version: number, etm = false, initialSeq?: bigint): Promise<[Protection, Protection]> {
  const key = bytes(s.keyLen, 1);
  const macKey = bytes(s.macLen, 2);
  const iv = bytes(ivLen(s, version), 3);
  const mk = () =>
    createProtection({ suite: s, version, key, macKey, iv, provider: nobleProvider, random: defaultRandom, encryptThenMac: etm, initialSeq });
  return [await mk(), await mk()];
}
