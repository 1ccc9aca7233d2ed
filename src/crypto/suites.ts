/**
 * The cipher suite table: one row per suite. Everything that varies by suite reads its row;
 * nothing else switches on suite names.
 */

export const TLS10 = 0x0301;
export const TLS11 = 0x0302;
export const TLS12 = 0x0303;
export type ProtocolVersion = typeof TLS10 | typeof TLS11 | typeof TLS12;

export type KeyExchange = 'ECDHE' | 'DHE' | 'RSA';
export type AuthKind = 'RSA' | 'ECDSA';
export type BulkCipher = 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305' | 'AES_128_CBC' | 'AES_256_CBC';
export type MacAlgorithm = 'sha1' | 'sha256' | 'sha384';
export type PrfHash = 'sha256' | 'sha384';

export interface CipherSuite {
  readonly id: number;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 */
  readonly name: CipherSuiteName;
  /** OpenSSL's name for the same suite (for tests and tools talking to openssl). */
  readonly openssl: OpenSslSuiteName;
  readonly kx: KeyExchange;
  /** The certificate key type the suite needs. */
  readonly auth: AuthKind;
  readonly cipher: BulkCipher;
  readonly type: 'aead' | 'cbc';
  /** Encryption key length in bytes. */
  readonly keyLen: number;
  /** Implicit IV from the key block: 4 for GCM (salt), 12 for ChaCha20, 16 for CBC in TLS 1.0 only. */
  readonly fixedIvLen: number;
  /** Explicit per-record nonce/IV on the wire: 8 for GCM, 0 for ChaCha20, 16 for CBC (TLS 1.1+). */
  readonly recordIvLen: number;
  /** AEAD tag length, 0 for CBC. */
  readonly tagLen: number;
  /** HMAC for CBC suites, null for AEAD. */
  readonly mac: MacAlgorithm | null;
  readonly macLen: number;
  /** PRF hash in TLS 1.2 (TLS 1.0/1.1 always use MD5+SHA-1). */
  readonly prfHash: PrfHash;
  readonly minVersion: ProtocolVersion;
  readonly maxVersion: ProtocolVersion;
}

type Row = [id: number, name: string, openssl: string];

function row([id, name, openssl]: Readonly<Row>): CipherSuite {
  const m = /^TLS_(ECDHE|DHE|RSA)_(?:(RSA|ECDSA)_)?WITH_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305|AES_128_CBC|AES_256_CBC)_(SHA|SHA256|SHA384)$/.exec(name);
  if (!m) throw new Error(`bad suite name ${name}`);
  const kx = m[1] as KeyExchange;
  const auth = (m[2] ?? 'RSA') as AuthKind;
  const cipher = m[3] as BulkCipher;
  const hash = m[4]!;
  const aead = !cipher.endsWith('_CBC');
  const keyLen = cipher === 'AES_128_GCM' || cipher === 'AES_128_CBC' ? 16 : 32;
  const mac: MacAlgorithm | null = aead ? null : hash === 'SHA' ? 'sha1' : hash === 'SHA256' ? 'sha256' : 'sha384';
  return {
    id,
    name: name as CipherSuiteName,
    openssl: openssl as OpenSslSuiteName,
    kx,
    auth,
    cipher,
    type: aead ? 'aead' : 'cbc',
    keyLen,
    fixedIvLen: cipher === 'CHACHA20_POLY1305' ? 12 : aead ? 4 : 16,
    recordIvLen: cipher === 'CHACHA20_POLY1305' ? 0 : aead ? 8 : 16,
    tagLen: aead ? 16 : 0,
    mac,
    macLen: mac === null ? 0 : mac === 'sha1' ? 20 : mac === 'sha256' ? 32 : 48,
    prfHash: hash === 'SHA384' ? 'sha384' : 'sha256',
    // SHA-1 CBC suites exist since TLS 1.0; everything else (AEAD, SHA-2 MACs) is TLS 1.2 only.
    minVersion: hash === 'SHA' ? TLS10 : TLS12,
    maxVersion: TLS12,
  };
}

/** Default preference order: forward-secret AEAD first, then forward-secret CBC, then RSA key exchange. */
const SUITE_ROWS = [
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'DHE-RSA-AES128-SHA'],
  [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'DHE-RSA-AES256-SHA'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
] as const satisfies readonly Row[];

/** The IANA name of every suite puretls speaks, e.g. 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'. */
export type CipherSuiteName = (typeof SUITE_ROWS)[number][1];
/** OpenSSL's name of the same suites, e.g. 'ECDHE-RSA-AES128-GCM-SHA256' (accepted wherever a suite is named). */
export type OpenSslSuiteName = (typeof SUITE_ROWS)[number][2];

/** Any name a `cipherSuites` option takes: IANA (with or without the TLS_ prefix) or OpenSSL. */
export type CipherSuiteOption = CipherSuiteName | OpenSslSuiteName | (CipherSuiteName extends `TLS_${infer R}` ? R : never);

export const CIPHER_SUITES: readonly CipherSuite[] = SUITE_ROWS.map(row);

/** Signalling values (not real suites). */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const TLS_FALLBACK_SCSV = 0x5600;

const BY_ID = new Map(CIPHER_SUITES.map((s) => [s.id, s]));
const BY_NAME = new Map<string, CipherSuite>(CIPHER_SUITES.map((s) => [s.name, s]));

export function suiteById(id: number): CipherSuite | undefined {
  return BY_ID.get(id);
}
/** Look a suite up by IANA name (the TLS_ prefix is optional) or by OpenSSL name. */
export function suiteByName(name: string): CipherSuite | undefined {
  return BY_NAME.get(name) ?? BY_NAME.get(`TLS_${name}`) ?? CIPHER_SUITES.find((s) => s.openssl === name);
}
export function suiteAllowedIn(s: CipherSuite, version: number): boolean {
  return version >= s.minVersion && version <= s.maxVersion;
}

export const VERSION_NAMES = { [TLS10]: 'TLSv1', [TLS11]: 'TLSv1.1', [TLS12]: 'TLSv1.2' } as const;
export type TlsVersion = (typeof VERSION_NAMES)[ProtocolVersion];
export function versionFromName(name: string): ProtocolVersion | undefined {
  for (const [k, v] of Object.entries(VERSION_NAMES)) if (v === name) return Number(k) as ProtocolVersion;
  return undefined;
}
export function versionName(v: number): string {
  return (VERSION_NAMES as Record<number, string>)[v] ?? `0x${v.toString(16).padStart(4, '0')}`;
}
