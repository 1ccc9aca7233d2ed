/**
 * The committed test PKI (vectors/pki, made by scripts/make-pki.sh): file paths and contents,
 * resolved from the repository root so tests work from any working directory.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const pkiDir = path.join(repoRoot, 'vectors/pki');
/** Read-only suites made by others (wycheproof, x509-limbo); may be absent. */
export const sharedVectorsDir = path.resolve(repoRoot, '../shared/vectors');
export const hasSharedVectors = existsSync(sharedVectorsDir);

export function pkiPath(file: string): string {
  return path.join(pkiDir, file);
}

export function readPki(file: string): string {
  return readFileSync(pkiPath(file), 'utf8');
}

/** One certificate with its key: paths for command-line peers, PEM text for our API. */
export interface Identity {
  certPath: string;
  keyPath: string;
  /** leaf + intermediate */
  chainPath: string;
  cert: string;
  key: string;
  chain: string;
}

function identity(name: string): Identity {
  const certPath = pkiPath(`${name}.crt`);
  const keyPath = pkiPath(`${name}.key`);
  const chainPath = pkiPath(`${name}-chain.pem`);
  return {
    certPath,
    keyPath,
    chainPath,
    cert: readFileSync(certPath, 'utf8'),
    key: readFileSync(keyPath, 'utf8'),
    chain: readFileSync(chainPath, 'utf8'),
  };
}

export const pki = {
  /** RSA root: anchors server-rsa, server-ecdsa, client-rsa, client-ecdsa. */
  caPath: pkiPath('ca.pem'),
  ca: readPki('ca.pem'),
  intermediatePath: pkiPath('intermediate.crt'),
  intermediate: readPki('intermediate.crt'),
  serverRsa: identity('server-rsa'),
  serverEcdsa: identity('server-ecdsa'),
  clientRsa: identity('client-rsa'),
  clientEcdsa: identity('client-ecdsa'),
  /** The server-rsa key as PKCS#1 "RSA PRIVATE KEY". */
  serverRsaPkcs1KeyPath: pkiPath('server-rsa.pkcs1.key'),
  serverRsaPkcs1Key: readPki('server-rsa.pkcs1.key'),
  /** The server-ecdsa key as SEC 1 "EC PRIVATE KEY". */
  serverEcdsaSec1KeyPath: pkiPath('server-ecdsa.sec1.key'),
  serverEcdsaSec1Key: readPki('server-ecdsa.sec1.key'),
  /** ECDSA root (P-384) and intermediate (P-256), and a P-256 leaf under them. */
  caEcdsaPath: pkiPath('ca-ecdsa.pem'),
  caEcdsa: readPki('ca-ecdsa.pem'),
  intermediateEcdsaPath: pkiPath('intermediate-ecdsa.crt'),
  intermediateEcdsa: readPki('intermediate-ecdsa.crt'),
  serverEcdsaEcca: identity('server-ecdsa-ecca'),
} as const;
