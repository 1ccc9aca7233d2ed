/**
 * The committed test PKI (vectors/pki) as seen by the harness: one CA (ca.pem) anchors the RSA and ECDSA
 * server and client leaves, so every peer is configured with the same trust anchor.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyType } from './types.js';

/**
 * The repository root: the first directory above this module holding vectors/pki. Walking up works from
 * src/cli/conformance, from dist/cli/conformance, and from the bundle scripts/run-ts.mjs writes under node_modules.
 */
export function findRepoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'vectors/pki/ca.pem'))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  if (existsSync(path.join(process.cwd(), 'vectors/pki/ca.pem'))) return process.cwd();
  throw new Error('conformance: cannot find vectors/pki (run from the puretls repository)');
}

export interface IdentityFiles {
  /** leaf + intermediate, PEM */
  chainPath: string;
  certPath: string;
  keyPath: string;
  chain: string;
  key: string;
}

export interface Pki {
  root: string;
  caPath: string;
  ca: string;
  /** The intermediate every leaf hangs from (for peers that take the leaf and its chain separately). */
  intermediatePath: string;
  server: Record<KeyType, IdentityFiles>;
  client: Record<KeyType, IdentityFiles>;
}

let cached: Pki | undefined;

export function loadPki(): Pki {
  if (cached) return cached;
  const root = findRepoRoot();
  const dir = path.join(root, 'vectors/pki');
  const id = (name: string): IdentityFiles => ({
    chainPath: path.join(dir, `${name}-chain.pem`),
    certPath: path.join(dir, `${name}.crt`),
    keyPath: path.join(dir, `${name}.key`),
    chain: readFileSync(path.join(dir, `${name}-chain.pem`), 'utf8'),
    key: readFileSync(path.join(dir, `${name}.key`), 'utf8'),
  });
  cached = {
    root,
    caPath: path.join(dir, 'ca.pem'),
    ca: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
    intermediatePath: path.join(dir, 'intermediate.crt'),
    server: { RSA: id('server-rsa'), ECDSA: id('server-ecdsa') },
    client: { RSA: id('client-rsa'), ECDSA: id('client-ecdsa') },
  };
  return cached;
}

/** The name every server leaf carries (SAN DNS:localhost, IP:127.0.0.1). */
export const SERVER_NAME = 'localhost';
