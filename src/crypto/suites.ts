/**
 * The cipher suite table: one row per suite. Everything that varies by suite reads its row;
 * nothing else switches on suite names.
 */

import { TLS10, TLS12, TLS13, type ProtocolVersion } from '../versions.js';
// Versions live in ../versions.ts; re-exported here for the code that has always imported them from the suite table.
export { TLS10, TLS11, TLS12, TLS13, VERSION_NAMES, versionFromName, versionName, type ProtocolVersion, type TlsVersion } from '../versions.js';

export type KeyExchange = 'ECDHE' | 'DHE' | 'RSA';
export type AuthKind = 'RSA' | 'ECDSA';
export type BulkCipher = 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305' | 'AES_128_CBC' | 'AES_256_CBC';
export type MacAlgorithm = 'sha1' | 'sha256' | 'sha384';
export type PrfHash = 'sha256' | 'sha384';

/** A TLS 1.0–1.2 suite: key exchange, authentication and bulk cipher together (RFC 5246 Appendix A.5). */
export interface Tls12Suite {
  readonly protocol: 'tls12';
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

/**
 * A TLS 1.3 suite (RFC 8446 §B.4): only the AEAD and the HKDF hash; key exchange and authentication are
 * negotiated apart (key_share, signature_algorithms).
 */
export interface Tls13Suite {
  readonly protocol: 'tls13';
  readonly id: number;
  readonly name: CipherSuiteName;
  /** OpenSSL calls 1.3 suites by their IANA names. */
  readonly openssl: OpenSslSuiteName;
  readonly cipher: Extract<BulkCipher, 'AES_128_GCM' | 'AES_256_GCM' | 'CHACHA20_POLY1305'>;
  readonly type: 'aead';
  readonly keyLen: number;
  /** The per-record nonce length (iv from HKDF-Expand-Label "iv"): 12 for every 1.3 AEAD. */
  readonly ivLen: 12;
  readonly tagLen: 16;
  /** The hash of HKDF and the transcript. */
  readonly hash: PrfHash;
  readonly minVersion: typeof TLS13;
  readonly maxVersion: typeof TLS13;
}

/** Every suite: branch on `protocol` before reading what only one kind has. */
export type CipherSuite = Tls12Suite | Tls13Suite;

/** A row before its names are narrowed to the name unions (which are read off the rows). */
type Named<T> = Omit<T, 'name' | 'openssl'> & { readonly name: string; readonly openssl: string };

/** Default preference order: forward-secret AEAD first, then forward-secret CBC, then RSA key exchange. */
const TLS12_ROWS = [
  { protocol: 'tls12', id: 0xc02b, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', kx: 'ECDHE', auth: 'ECDSA', cipher: 'AES_128_GCM', type: 'aead', keyLen: 16, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc02f, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256', kx: 'ECDHE', auth: 'RSA', cipher: 'AES_128_GCM', type: 'aead', keyLen: 16, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc02c, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', kx: 'ECDHE', auth: 'ECDSA', cipher: 'AES_256_GCM', type: 'aead', keyLen: 32, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha384', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc030, name: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-RSA-AES256-GCM-SHA384', kx: 'ECDHE', auth: 'RSA', cipher: 'AES_256_GCM', type: 'aead', keyLen: 32, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha384', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xcca9, name: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', kx: 'ECDHE', auth: 'ECDSA', cipher: 'CHACHA20_POLY1305', type: 'aead', keyLen: 32, fixedIvLen: 12, recordIvLen: 0, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xcca8, name: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'ECDHE-RSA-CHACHA20-POLY1305', kx: 'ECDHE', auth: 'RSA', cipher: 'CHACHA20_POLY1305', type: 'aead', keyLen: 32, fixedIvLen: 12, recordIvLen: 0, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x009e, name: 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'DHE-RSA-AES128-GCM-SHA256', kx: 'DHE', auth: 'RSA', cipher: 'AES_128_GCM', type: 'aead', keyLen: 16, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x009f, name: 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', openssl: 'DHE-RSA-AES256-GCM-SHA384', kx: 'DHE', auth: 'RSA', cipher: 'AES_256_GCM', type: 'aead', keyLen: 32, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha384', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xccaa, name: 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', openssl: 'DHE-RSA-CHACHA20-POLY1305', kx: 'DHE', auth: 'RSA', cipher: 'CHACHA20_POLY1305', type: 'aead', keyLen: 32, fixedIvLen: 12, recordIvLen: 0, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc023, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-ECDSA-AES128-SHA256', kx: 'ECDHE', auth: 'ECDSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha256', macLen: 32, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc027, name: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', openssl: 'ECDHE-RSA-AES128-SHA256', kx: 'ECDHE', auth: 'RSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha256', macLen: 32, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc024, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', openssl: 'ECDHE-ECDSA-AES256-SHA384', kx: 'ECDHE', auth: 'ECDSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha384', macLen: 48, prfHash: 'sha384', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc028, name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', openssl: 'ECDHE-RSA-AES256-SHA384', kx: 'ECDHE', auth: 'RSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha384', macLen: 48, prfHash: 'sha384', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc009, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-ECDSA-AES128-SHA', kx: 'ECDHE', auth: 'ECDSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc013, name: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', openssl: 'ECDHE-RSA-AES128-SHA', kx: 'ECDHE', auth: 'RSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc00a, name: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', openssl: 'ECDHE-ECDSA-AES256-SHA', kx: 'ECDHE', auth: 'ECDSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0xc014, name: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', openssl: 'ECDHE-RSA-AES256-SHA', kx: 'ECDHE', auth: 'RSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x0067, name: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', openssl: 'DHE-RSA-AES128-SHA256', kx: 'DHE', auth: 'RSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha256', macLen: 32, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x006b, name: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', openssl: 'DHE-RSA-AES256-SHA256', kx: 'DHE', auth: 'RSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha256', macLen: 32, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x0033, name: 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA', openssl: 'DHE-RSA-AES128-SHA', kx: 'DHE', auth: 'RSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x0039, name: 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA', openssl: 'DHE-RSA-AES256-SHA', kx: 'DHE', auth: 'RSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x009c, name: 'TLS_RSA_WITH_AES_128_GCM_SHA256', openssl: 'AES128-GCM-SHA256', kx: 'RSA', auth: 'RSA', cipher: 'AES_128_GCM', type: 'aead', keyLen: 16, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x009d, name: 'TLS_RSA_WITH_AES_256_GCM_SHA384', openssl: 'AES256-GCM-SHA384', kx: 'RSA', auth: 'RSA', cipher: 'AES_256_GCM', type: 'aead', keyLen: 32, fixedIvLen: 4, recordIvLen: 8, tagLen: 16, mac: null, macLen: 0, prfHash: 'sha384', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x003c, name: 'TLS_RSA_WITH_AES_128_CBC_SHA256', openssl: 'AES128-SHA256', kx: 'RSA', auth: 'RSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha256', macLen: 32, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x003d, name: 'TLS_RSA_WITH_AES_256_CBC_SHA256', openssl: 'AES256-SHA256', kx: 'RSA', auth: 'RSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha256', macLen: 32, prfHash: 'sha256', minVersion: TLS12, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x002f, name: 'TLS_RSA_WITH_AES_128_CBC_SHA', openssl: 'AES128-SHA', kx: 'RSA', auth: 'RSA', cipher: 'AES_128_CBC', type: 'cbc', keyLen: 16, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
  { protocol: 'tls12', id: 0x0035, name: 'TLS_RSA_WITH_AES_256_CBC_SHA', openssl: 'AES256-SHA', kx: 'RSA', auth: 'RSA', cipher: 'AES_256_CBC', type: 'cbc', keyLen: 32, fixedIvLen: 16, recordIvLen: 16, tagLen: 0, mac: 'sha1', macLen: 20, prfHash: 'sha256', minVersion: TLS10, maxVersion: TLS12 },
] as const satisfies readonly Named<Tls12Suite>[];

/** TLS 1.3 suites in our preference order (AES-128-GCM first, as OpenSSL and Go). */
const TLS13_ROWS = [
  { protocol: 'tls13', id: 0x1301, name: 'TLS_AES_128_GCM_SHA256', openssl: 'TLS_AES_128_GCM_SHA256', cipher: 'AES_128_GCM', type: 'aead', keyLen: 16, ivLen: 12, tagLen: 16, hash: 'sha256', minVersion: TLS13, maxVersion: TLS13 },
  { protocol: 'tls13', id: 0x1302, name: 'TLS_AES_256_GCM_SHA384', openssl: 'TLS_AES_256_GCM_SHA384', cipher: 'AES_256_GCM', type: 'aead', keyLen: 32, ivLen: 12, tagLen: 16, hash: 'sha384', minVersion: TLS13, maxVersion: TLS13 },
  { protocol: 'tls13', id: 0x1303, name: 'TLS_CHACHA20_POLY1305_SHA256', openssl: 'TLS_CHACHA20_POLY1305_SHA256', cipher: 'CHACHA20_POLY1305', type: 'aead', keyLen: 32, ivLen: 12, tagLen: 16, hash: 'sha256', minVersion: TLS13, maxVersion: TLS13 },
] as const satisfies readonly Named<Tls13Suite>[];

/** The IANA name of every suite puretls speaks, e.g. 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'. */
export type CipherSuiteName = (typeof TLS12_ROWS)[number]['name'] | (typeof TLS13_ROWS)[number]['name'];
/** OpenSSL's name of the same suites, e.g. 'ECDHE-RSA-AES128-GCM-SHA256' (accepted wherever a suite is named). */
export type OpenSslSuiteName = (typeof TLS12_ROWS)[number]['openssl'] | (typeof TLS13_ROWS)[number]['openssl'];

/** Any name a `cipherSuites` option takes: IANA (with or without the TLS_ prefix) or OpenSSL. */
export type CipherSuiteOption = CipherSuiteName | OpenSslSuiteName | (CipherSuiteName extends `TLS_${infer R}` ? R : never);

/** The TLS 1.0–1.2 suites, in the default preference order. */
export const CIPHER_SUITES: readonly Tls12Suite[] = TLS12_ROWS as readonly Named<Tls12Suite>[] as readonly Tls12Suite[];
/** The TLS 1.3 suites, in the default preference order. */
export const TLS13_CIPHER_SUITES: readonly Tls13Suite[] = TLS13_ROWS as readonly Named<Tls13Suite>[] as readonly Tls13Suite[];
/** All suites: 1.3 first, then 1.2. */
export const ALL_CIPHER_SUITES: readonly CipherSuite[] = [...TLS13_CIPHER_SUITES, ...CIPHER_SUITES];

/** Signalling values (not real suites). */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const TLS_FALLBACK_SCSV = 0x5600;

const BY_ID = new Map<number, CipherSuite>(ALL_CIPHER_SUITES.map((s) => [s.id, s]));
const BY_NAME = new Map<string, CipherSuite>(ALL_CIPHER_SUITES.map((s) => [s.name, s]));

export function suiteById(id: number): CipherSuite | undefined {
  return BY_ID.get(id);
}
type Tls12Names = (typeof TLS12_ROWS)[number]['name'] | (typeof TLS12_ROWS)[number]['openssl'];
type Tls13Names = (typeof TLS13_ROWS)[number]['name'];
type Unprefixed<N> = N extends `TLS_${infer R}` ? R : never;
/** The suite type a name picks: a literal 1.2 (or 1.3) name gives that kind, any other string either. */
export type SuiteForName<N extends string> = N extends Tls13Names | Unprefixed<Tls13Names>
  ? Tls13Suite
  : N extends Tls12Names | Unprefixed<Tls12Names>
    ? Tls12Suite
    : CipherSuite;

/** Look a suite up by IANA name (the TLS_ prefix is optional) or by OpenSSL name. */
export function suiteByName<N extends string>(name: N): SuiteForName<N> | undefined;
export function suiteByName(name: string): CipherSuite | undefined {
  return BY_NAME.get(name) ?? BY_NAME.get(`TLS_${name}`) ?? ALL_CIPHER_SUITES.find((s) => s.openssl === name);
}
/** A TLS 1.0–1.2 suite by id (undefined for 1.3 suites and unknown ids). */
export function tls12SuiteById(id: number): Tls12Suite | undefined {
  const s = BY_ID.get(id);
  return s?.protocol === 'tls12' ? s : undefined;
}
/** A TLS 1.3 suite by id. */
export function tls13SuiteById(id: number): Tls13Suite | undefined {
  const s = BY_ID.get(id);
  return s?.protocol === 'tls13' ? s : undefined;
}
export function suiteAllowedIn(s: CipherSuite, version: number): boolean {
  return version >= s.minVersion && version <= s.maxVersion;
}
/** A TLS 1.0–1.2 suite by name (undefined for 1.3 suites and unknown names). */
export function tls12SuiteByName(name: string): Tls12Suite | undefined {
  const s = suiteByName(name);
  return s?.protocol === 'tls12' ? s : undefined;
}
