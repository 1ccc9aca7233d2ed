/** Short-lived OCSP staples made on the spot with `openssl ocsp` (vectors/ocsp holds the long-lived ones). */
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './pki.js';

/**
 * A 'good' response for server-rsa.crt signed by its issuer, valid from now for `minutes` (thisUpdate = now,
 * nextUpdate = now + minutes), written to `dir`/short-<minutes>.der. Returns the bytes and the file's path.
 */
export function shortStaple(dir: string, minutes: number): { der: Uint8Array; path: string } {
  const f = (n: string) => path.join(dir, n);
  const pkiF = (n: string) => path.join(repoRoot, 'vectors/pki', n);
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  run('ocsp', '-issuer', pkiF('intermediate.crt'), '-cert', pkiF('server-rsa.crt'), '-no_nonce', '-reqout', f('req.der'));
  const subject = run('x509', '-in', pkiF('server-rsa.crt'), '-noout', '-subject', '-nameopt', 'compat').replace(/^subject=/, '').trim();
  writeFileSync(f('index.txt'), `V\t540101000000Z\t\t0A\tunknown\t${subject}\n`);
  const out = f(`short-${minutes}.der`);
  run('ocsp', '-index', f('index.txt'), '-CA', pkiF('intermediate.crt'), '-rsigner', pkiF('intermediate.crt'), '-rkey', pkiF('intermediate.key'),
    '-reqin', f('req.der'), '-respout', out, '-nmin', String(minutes));
  return { der: new Uint8Array(readFileSync(out)), path: out };
}
