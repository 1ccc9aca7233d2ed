import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const wycheproofDir = path.resolve(repoRoot, '../shared/vectors/wycheproof/testvectors_v1');
export const haveWycheproof = existsSync(wycheproofDir);
if (!haveWycheproof) console.log(`external suites not found at ${wycheproofDir}, skipping Wycheproof tests`);

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const vec = (name: string): Buffer => readFileSync(path.join(repoRoot, 'vectors/crypto', name));
export const key = (name: string): Buffer => vec(`keys/${name}`);
export function wycheproof<T = any>(file: string): { testGroups: T[]; algorithm: string } {
  return JSON.parse(readFileSync(path.join(wycheproofDir, file), 'utf8'));
}

/** A deterministic RandomSource for reproducible tests (not for real use). */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
  let s = seed >>> 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}
