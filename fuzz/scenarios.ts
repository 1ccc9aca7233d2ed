/**
 * The handshakes the fuzzer mutates: one per key exchange, authentication and record protection family, so a
 * mutation can reach every message our client and server handle (RSA and ECDHE and DHE key exchange, RSA and
 * ECDSA signatures, AEAD, CBC with MAC-then-encrypt and encrypt-then-MAC, TLS 1.0 chained IVs, client certificates).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClientHandshakeConfig } from '../src/handshake/client.js';
import type { ServerHandshakeConfig } from '../src/handshake/server.js';
import type { EngineLimits } from '../src/engine.js';
import { createServerContext, type ServerOptions } from '../src/server.js';
import { cipherSuites, loadIdentity, makeVerifier, namedGroups, peerNameOf, signatureSchemes, versionRange } from '../src/config.js';
import type { TlsVersion } from '../src/crypto/suites.js';

/** Inside the test PKI's validity (2024..2054), fixed so runs replay exactly. */
export const FIXED_NOW = new Date('2026-01-01T00:00:00Z');
export const now = (): Date => FIXED_NOW;

export interface Pki {
  ca: string;
  serverRsa: { cert: string; key: string };
  serverEcdsa: { cert: string; key: string };
  clientRsa: { cert: string; key: string };
}

export function loadPki(repoRoot: string): Pki {
  const read = (f: string) => readFileSync(path.join(repoRoot, 'vectors/pki', f), 'utf8');
  return {
    ca: read('ca.pem'),
    serverRsa: { cert: read('server-rsa-chain.pem'), key: read('server-rsa.key') },
    serverEcdsa: { cert: read('server-ecdsa-chain.pem'), key: read('server-ecdsa.key') },
    clientRsa: { cert: read('client-rsa-chain.pem'), key: read('client-rsa.key') },
  };
}

export interface ClientSpec {
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  cipherSuites?: string[];
  groups?: string[];
  encryptThenMac?: boolean;
  withClientCert?: boolean;
}

export interface Scenario {
  name: string;
  client: ClientHandshakeConfig;
  server: ServerHandshakeConfig;
  /** Relative cost; cheap scenarios run more often. */
  weight: number;
}

/** The client handshake configuration connect() would build, with the test PKI's root and a fixed clock. */
export function clientConfig(pki: Pki, o: ClientSpec = {}): ClientHandshakeConfig {
  // These scenarios and the scripted hostile tests built on them attack TLS 1.0–1.2 flows: 1.2 unless asked.
  const [minVersion, maxVersion] = versionRange(o.minVersion, o.maxVersion ?? 'TLSv1.2');
  const id = o.withClientCert ? loadIdentity(pki.clientRsa.cert, pki.clientRsa.key) : undefined;
  return {
    serverName: 'localhost',
    minVersion,
    maxVersion,
    suites: cipherSuites(o.cipherSuites),
    groups: namedGroups(o.groups),
    signatureSchemes: signatureSchemes(),
    minDhBits: 2048,
    minRsaBits: 2048,
    fallbackScsv: false,
    allowLegacyServer: false,
    requireExtendedMasterSecret: false,
    encryptThenMac: o.encryptThenMac ?? true,
    sessionTickets: false,
    statusRequest: false,
    ...(id ? { identity: { chain: id.chain, key: id.key } } : {}),
    verifyPeer: makeVerifier({ mode: 'required', ca: pki.ca, purpose: 'server', peerName: peerNameOf('localhost'), now }),
  };
}

export function serverConfig(pki: Pki, o: Omit<ServerOptions, 'now'> & { ecdsa?: boolean } = {}): ServerHandshakeConfig {
  const { ecdsa, ...rest } = o;
  const id = ecdsa ? pki.serverEcdsa : pki.serverRsa;
  return createServerContext({ ...id, ...rest, now }).handshake;
}

export function scenarios(pki: Pki): Scenario[] {
  return [
    { name: 'tls12-ecdhe-rsa-gcm', weight: 4, client: clientConfig(pki), server: serverConfig(pki) },
    {
      name: 'tls12-ecdhe-ecdsa-chacha',
      weight: 4,
      client: clientConfig(pki, { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'] }),
      server: serverConfig(pki, { ecdsa: true }),
    },
    {
      name: 'tls12-rsa-cbc-etm',
      weight: 3,
      client: clientConfig(pki, { cipherSuites: ['TLS_RSA_WITH_AES_128_CBC_SHA256'] }),
      server: serverConfig(pki),
    },
    {
      name: 'tls10-ecdhe-rsa-cbc-mte',
      weight: 3,
      client: clientConfig(pki, { minVersion: 'TLSv1', maxVersion: 'TLSv1', cipherSuites: ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'], encryptThenMac: false }),
      server: serverConfig(pki, { minVersion: 'TLSv1', maxVersion: 'TLSv1.2' }),
    },
    {
      name: 'tls12-client-auth',
      weight: 2,
      client: clientConfig(pki, { withClientCert: true, cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] }),
      server: serverConfig(pki, { ecdsa: true, requestCert: 'required', ca: pki.ca }),
    },
    {
      name: 'tls13-x25519-aes128gcm',
      weight: 4,
      client: clientConfig(pki, { maxVersion: 'TLSv1.3', cipherSuites: ['TLS_AES_128_GCM_SHA256'] }),
      server: serverConfig(pki, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }),
    },
    {
      // A HelloRetryRequest (the client's first share is x25519, the server takes only secp384r1), client auth.
      name: 'tls13-hrr-client-auth',
      weight: 2,
      client: clientConfig(pki, { maxVersion: 'TLSv1.3', groups: ['x25519', 'secp384r1'], withClientCert: true }),
      server: serverConfig(pki, { ecdsa: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', groups: ['secp384r1'], requestCert: 'required', ca: pki.ca }),
    },
    {
      name: 'tls11-dhe-rsa-cbc',
      weight: 1,
      client: clientConfig(pki, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', cipherSuites: ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA'], groups: ['ffdhe2048'] }),
      server: serverConfig(pki, { minVersion: 'TLSv1.1' }),
    },
  ];
}

/** Small limits so resource-limit paths are reachable by mutation too. */
export const FUZZ_LIMITS: EngineLimits = { maxEmptyRecords: 8, maxWarningAlerts: 4 };
