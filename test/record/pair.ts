import { nobleProvider } from '../../src/crypto/provider-noble.js';
import { defaultRandom } from '../../src/crypto/random.js';
import { TLS10, suiteByName, type CipherSuite } from '../../src/crypto/suites.js';
import { createProtection, type Protection } from '../../src/record/protection.js';
import { bytes } from './ref.js';

export function suite(name: string): CipherSuite {
  const s = suiteByName(name);
  if (!s) throw new Error(`no suite ${name}`);
  return s;
}

/** The IV the key block gives a suite in a version. */
export function ivLen(s: CipherSuite, version: number): number {
  return s.type === 'aead' ? s.fixedIvLen : version === TLS10 ? 16 : 0;
}

/** A writer and a reader sharing fixed test keys. */
export async function pair(s: CipherSuite, version: number, etm = false, initialSeq?: bigint): Promise<[Protection, Protection]> {
  const key = bytes(s.keyLen, 1);
  const macKey = bytes(s.macLen, 2);
  const iv = bytes(ivLen(s, version), 3);
  const mk = () =>
    createProtection({ suite: s, version, key, macKey, iv, provider: nobleProvider, random: defaultRandom, encryptThenMac: etm, initialSeq });
  return [await mk(), await mk()];
}
