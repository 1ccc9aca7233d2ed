/**
 * A facade with the semantics of Python's ssl.wrap_socket, for code ported from Python: the same constants and
 * option meanings, over connect()/accept(). Deliberate differences, all toward the secure side (they are what
 * Python's ssl.create_default_context() does): a client verifies the server by default (CERT_REQUIRED, the system
 * bundle when caCerts is absent) where Python's wrap_socket defaulted to CERT_NONE; a verifying client needs
 * serverHostname and checks it (check_hostname), unless checkHostname: false says to check the chain only; and a
 * server that asks for client certificates needs caCerts (it never trusts the system bundle for clients).
 */
import { TlsError } from './errors.js';
import { connect } from './client.js';
import { accept } from './server.js';
import type { TlsConnection } from './connection.js';
import type { ByteStream } from './transport/types.js';
import { readPemInput, type PemInput } from './pem.js';
import type { CipherSuiteOption, TlsVersion } from './crypto/suites.js';
import { suiteByName } from './crypto/suites.js';
import { cipherList } from './node-options.js';
import { discardTransport } from './timeouts.js';
import type { ChannelBindingType } from './exporter.js';

export { cipherList };
import type { PeerCertificate } from './x509/peercert.js';

// Python's numbers (ssl.CERT_*, ssl.PROTOCOL_*), so values copied from Python code mean the same here.
export const CERT_NONE = 0;
export const CERT_OPTIONAL = 1;
export const CERT_REQUIRED = 2;
/**
 * Negotiates the highest of TLS 1.2–1.3 both sides support (Python's PROTOCOL_SSLv23, alias PROTOCOL_TLS, with the
 * TLS 1.2 minimum Python 3.10+ gives it); minimumVersion TLSVersion.TLSv1 reaches down to TLS 1.0.
 */
export const PROTOCOL_SSLv23 = 2;
export const PROTOCOL_TLS = PROTOCOL_SSLv23;
export const PROTOCOL_TLSv1 = 3;
export const PROTOCOL_TLSv1_1 = 4;
export const PROTOCOL_TLSv1_2 = 5;
/** A client only (serverSide is refused), TLS 1.2–1.3: Python's PROTOCOL_TLS_CLIENT with its 3.10+ minimum. */
export const PROTOCOL_TLS_CLIENT = 16;
/** A server only (serverSide is required), TLS 1.2–1.3: Python's PROTOCOL_TLS_SERVER with its 3.10+ minimum. */
export const PROTOCOL_TLS_SERVER = 17;

/** Python's ssl.TLSVersion numbers, for minimumVersion / maximumVersion (SSLContext.minimum_version / maximum_version). */
export const TLSVersion = {
  MINIMUM_SUPPORTED: -2,
  MAXIMUM_SUPPORTED: -1,
  TLSv1: 0x0301,
  TLSv1_1: 0x0302,
  TLSv1_2: 0x0303,
  TLSv1_3: 0x0304,
} as const;

export interface WrapSocketOptions {
  serverSide?: boolean;
  /** Private key; when absent, the key is taken from certfile (Python: "the private key will be taken from certfile"). */
  keyfile?: PemInput;
  /** Certificate chain, leaf first (may also hold the key). */
  certfile?: PemInput;
  /** CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED. Default: CERT_REQUIRED for clients, CERT_NONE for servers. */
  certReqs?: number;
  /**
   * PROTOCOL_SSLv23 (default: TLS 1.2–1.3, as Python 3.10+; minimumVersion TLSVersion.TLSv1 or TLSv1_1 reaches lower),
   * PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER (TLS 1.2–1.3, one role each), or one pinned version: PROTOCOL_TLSv1,
   * PROTOCOL_TLSv1_1, PROTOCOL_TLSv1_2.
   */
  sslVersion?: number;
  /**
   * A TLSVersion value: the lowest version (Python's minimum_version; TLSv1 or TLSv1_1 turn TLS 1.0/1.1 on). Omitted:
   * TLS 1.2, or maximumVersion when only a maximumVersion below 1.2 is given. Refused with a pinned sslVersion, as
   * Python refuses it.
   */
  minimumVersion?: number;
  /** A TLSVersion value: the highest version (Python's maximum_version). Omitted: the sslVersion's highest (TLS 1.3). */
  maximumVersion?: number;
  /** Trust anchors (PEM bundle). Clients default to the system bundle. */
  caCerts?: PemInput;
  /**
   * SNI, and the name the server's certificate is checked against. A client that verifies the server needs it
   * (Python's "check_hostname requires server_hostname"), unless checkHostname is false.
   */
  serverHostname?: string;
  /**
   * Check serverHostname against the server's certificate (Python's SSLContext.check_hostname). Default: true
   * whenever the client verifies (certReqs not CERT_NONE). false: the chain alone is checked, no name.
   */
  checkHostname?: boolean;
  /** An OpenSSL-style cipher list, colon-separated suite names (OpenSSL or IANA), e.g. 'ECDHE-RSA-AES128-GCM-SHA256'. */
  ciphers?: string;
  alpnProtocols?: string[];
  /** Passphrase for an encrypted key (Python's load_cert_chain password). */
  password?: string;
  /**
   * Python's suppress_ragged_eofs: an end without close_notify after the handshake ends the data cleanly (true;
   * `truncated` says it happened) or is an io_truncated error (false). Omitted: true, as in Python.
   */
  suppressRaggedEofs?: boolean;
}

/** Python's own keyword names, accepted too so option objects can be copied from Python code as they are. */
export interface PythonKeywordOptions {
  server_side?: boolean;
  cert_reqs?: number;
  ssl_version?: number;
  ca_certs?: PemInput;
  server_hostname?: string;
  check_hostname?: boolean;
  minimum_version?: number;
  maximum_version?: number;
  suppress_ragged_eofs?: boolean;
}

const PYTHON_KEYWORDS: [keyof PythonKeywordOptions, keyof WrapSocketOptions][] = [
  ['server_side', 'serverSide'],
  ['cert_reqs', 'certReqs'],
  ['ssl_version', 'sslVersion'],
  ['ca_certs', 'caCerts'],
  ['server_hostname', 'serverHostname'],
  ['check_hostname', 'checkHostname'],
  ['minimum_version', 'minimumVersion'],
  ['maximum_version', 'maximumVersion'],
  ['suppress_ragged_eofs', 'suppressRaggedEofs'],
];

const KNOWN = new Set<string>([
  'serverSide', 'keyfile', 'certfile', 'certReqs', 'sslVersion', 'minimumVersion', 'maximumVersion', 'suppressRaggedEofs', 'caCerts', 'serverHostname', 'checkHostname', 'ciphers', 'alpnProtocols', 'password',
  ...PYTHON_KEYWORDS.map(([py]) => py), 'do_handshake_on_connect',
]);

/** camelCase options from a mix of camelCase and Python keyword names; the same option twice is an error. */
function normalize(o: WrapSocketOptions & PythonKeywordOptions): WrapSocketOptions {
  const out: Record<string, unknown> = { ...o };
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw new TlsError('config_invalid', `wrapSocket() has no option '${k}'`);
  }
  // Python's other wrap_socket keywords: only the behaviour this facade has is accepted.
  const raw = o as Record<string, unknown>;
  if (raw.do_handshake_on_connect !== undefined && raw.do_handshake_on_connect !== true) {
    throw new TlsError('config_invalid', 'do_handshake_on_connect=False is not supported: wrapSocket() resolves after the handshake');
  }
  delete out.do_handshake_on_connect;
  for (const [py, js] of PYTHON_KEYWORDS) {
    if (o[py] === undefined) continue;
    if (o[js] !== undefined) throw new TlsError('config_invalid', `give ${js} or ${py}, not both`);
    out[js] = o[py];
    delete out[py];
  }
  return out as WrapSocketOptions;
}

/** The connection wrapSocket returns: a TlsConnection with Python SSLSocket-style helpers. */
export interface SSLSocket extends TlsConnection {
  /** The peer certificate dict; `{}` when it was not validated (as Python); DER bytes with binaryForm true. */
  getpeercert(binaryForm?: false): PeerCertificate | Record<string, never> | undefined;
  getpeercert(binaryForm: true): Uint8Array | undefined;
  /** [OpenSSL suite name, protocol version, secret bits], like Python's SSLSocket.cipher(). */
  cipher(): [string, TlsVersion, number];
  selectedAlpnProtocol(): string | undefined;
  /** Python's get_channel_binding(cb_type='tls-unique'): the binding's bytes ('tls-unique' or 'tls-server-end-point'). */
  get_channel_binding(cbType?: ChannelBindingType): Promise<Uint8Array>;
}

const VERSIONS: Record<number, [TlsVersion, TlsVersion]> = {
  // Python 3.10+: PROTOCOL_TLS's minimum_version is TLS 1.2; TLS 1.0/1.1 only when asked for (the project's rule too).
  [PROTOCOL_SSLv23]: ['TLSv1.2', 'TLSv1.3'],
  [PROTOCOL_TLS_CLIENT]: ['TLSv1.2', 'TLSv1.3'],
  [PROTOCOL_TLS_SERVER]: ['TLSv1.2', 'TLSv1.3'],
  [PROTOCOL_TLSv1]: ['TLSv1', 'TLSv1'],
  [PROTOCOL_TLSv1_1]: ['TLSv1.1', 'TLSv1.1'],
  [PROTOCOL_TLSv1_2]: ['TLSv1.2', 'TLSv1.2'],
};

const ORDER: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** A TLSVersion number as a version name (MINIMUM_SUPPORTED is TLS 1.0, MAXIMUM_SUPPORTED TLS 1.3). */
function tlsVersionName(n: number, what: string): TlsVersion {
  if (n === TLSVersion.MINIMUM_SUPPORTED) return 'TLSv1';
  if (n === TLSVersion.MAXIMUM_SUPPORTED) return 'TLSv1.3';
  const i = n - TLSVersion.TLSv1;
  if (!Number.isInteger(n) || i < 0 || i >= ORDER.length) throw new TlsError('config_invalid', `${what} ${n} is not a TLSVersion value`);
  return ORDER[i]!;
}

/**
 * [minVersion, maxVersion] for a PROTOCOL_* number, narrowed by minimumVersion / maximumVersion (TLSVersion values),
 * which only the negotiating protocols (SSLv23, TLS_CLIENT, TLS_SERVER) take, as in Python.
 */
export function versionsFor(sslVersion: number = PROTOCOL_SSLv23, minimumVersion?: number, maximumVersion?: number): [TlsVersion, TlsVersion] {
  const v = VERSIONS[sslVersion];
  if (!v) {
    throw new TlsError(
      'config_invalid',
      `sslVersion ${sslVersion} is not PROTOCOL_SSLv23, PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, PROTOCOL_TLSv1, PROTOCOL_TLSv1_1 or PROTOCOL_TLSv1_2`,
    );
  }
  if (minimumVersion === undefined && maximumVersion === undefined) return v;
  if (v[0] === v[1]) {
    // Python: "The context's protocol doesn't support modification of highest and lowest version."
    throw new TlsError('config_invalid', 'minimumVersion / maximumVersion need a negotiating sslVersion (PROTOCOL_SSLv23, PROTOCOL_TLS_CLIENT or PROTOCOL_TLS_SERVER)');
  }
  const max = maximumVersion === undefined ? v[1] : tlsVersionName(maximumVersion, 'maximumVersion');
  // A maximumVersion below the default floor given alone asks for that older version (as connect()'s maxVersion).
  const min = minimumVersion === undefined ? (ORDER.indexOf(max) < ORDER.indexOf(v[0]) ? max : v[0]) : tlsVersionName(minimumVersion, 'minimumVersion');
  if (ORDER.indexOf(min) > ORDER.indexOf(max)) throw new TlsError('config_invalid', `minimumVersion ${min} is above maximumVersion ${max}`);
  return [min, max];
}

/** 'none' | 'optional' | 'required' for a CERT_* number on the given side. */
export function verifyModeFor(certReqs: number, serverSide: boolean): 'none' | 'optional' | 'required' {
  switch (certReqs) {
    case CERT_NONE:
      return 'none';
    // Python: "In client mode, CERT_OPTIONAL has the same meaning as CERT_REQUIRED."
    case CERT_OPTIONAL:
      return serverSide ? 'optional' : 'required';
    case CERT_REQUIRED:
      return 'required';
    default:
      throw new TlsError('config_invalid', `certReqs ${certReqs} is not CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED`);
  }
}

/** A file-like object is read once; both the certificate and (when keyfile is absent) the key come from that text. */
function loadPair(o: WrapSocketOptions): { cert: string | Uint8Array; key: string | Uint8Array } | undefined {
  if (o.certfile === undefined) {
    if (o.keyfile !== undefined) throw new TlsError('config_invalid', 'keyfile needs certfile');
    return undefined;
  }
  const cert = readPemInput(o.certfile);
  if (o.keyfile !== undefined) return { cert, key: readPemInput(o.keyfile) };
  const text = typeof cert === 'string' ? cert : new TextDecoder('latin1').decode(cert);
  const m = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/.exec(text);
  if (!m) throw new TlsError('config_bad_key', 'no keyfile given and certfile holds no private key');
  return { cert, key: m[0] };
}

/** Add the Python-style helpers to a connection. */
export function asSSLSocket(conn: TlsConnection): SSLSocket {
  const s = conn as SSLSocket;
  function getpeercert(binaryForm?: boolean): PeerCertificate | Record<string, never> | Uint8Array | undefined {
    if (binaryForm) return conn.peerCertificateChain()[0];
    const cert = conn.peerCertificate() as PeerCertificate | undefined;
    if (!cert) return undefined;
    return conn.verification.ok ? cert : {};
  }
  Object.defineProperties(s, {
    getpeercert: { value: getpeercert },
    cipher: {
      value: (): [string, TlsVersion, number] => {
        // Always found: the negotiated suite comes from the same table.
        const suite = suiteByName(conn.cipherSuite)!;
        return [suite.openssl, conn.version, suite.keyLen * 8];
      },
    },
    selectedAlpnProtocol: { value: () => conn.alpnProtocol },
    get_channel_binding: { value: (cbType: ChannelBindingType = 'tls-unique') => conn.getChannelBinding(cbType) },
  });
  return s;
}

/** Python's ssl.wrap_socket over a ByteStream. Resolves once the handshake is done (do_handshake_on_connect). */
export async function wrapSocket(transport: ByteStream, options: WrapSocketOptions & PythonKeywordOptions = {}): Promise<SSLSocket> {
  let run: () => Promise<TlsConnection>;
  try {
    run = plan(transport, options);
  } catch (e) {
    // The transport was handed over: a bad keyword or option closes it, as every other failure does.
    if (transport) await discardTransport(transport, e);
    throw e;
  }
  return asSSLSocket(await run());
}

/** The options checked and turned into the connect()/accept() call to make (throws config_* errors first). */
function plan(transport: ByteStream, options: WrapSocketOptions & PythonKeywordOptions): () => Promise<TlsConnection> {
  if (!transport) throw new TlsError('config_invalid', 'wrapSocket() needs a transport');
  if (options === null || typeof options !== 'object') throw new TlsError('config_invalid', 'wrapSocket() options must be an object');
  const o = normalize(options);
  const serverSide = !!o.serverSide;
  // Python: "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context" (and the reverse).
  if (o.sslVersion === PROTOCOL_TLS_CLIENT && serverSide) throw new TlsError('config_invalid', 'PROTOCOL_TLS_CLIENT cannot make a server (serverSide)');
  if (o.sslVersion === PROTOCOL_TLS_SERVER && !serverSide) throw new TlsError('config_invalid', 'PROTOCOL_TLS_SERVER needs serverSide: true');
  const [minVersion, maxVersion] = versionsFor(o.sslVersion, o.minimumVersion, o.maximumVersion);
  const pair = loadPair(o);
  const common = {
    transport,
    minVersion,
    maxVersion,
    ...(o.ciphers !== undefined ? { cipherSuites: cipherList(o.ciphers) } : {}),
    ...(o.alpnProtocols ? { alpnProtocols: o.alpnProtocols } : {}),
    ...(o.password !== undefined ? { passphrase: o.password } : {}),
    ...(o.suppressRaggedEofs !== undefined ? { suppressRaggedEofs: !!o.suppressRaggedEofs } : {}),
  };
  if (serverSide) {
    if (!pair) throw new TlsError('config_invalid', 'serverSide needs certfile (and keyfile, unless certfile holds the key)');
    const server = {
      ...common,
      ...pair,
      requestCert: verifyModeFor(o.certReqs ?? CERT_NONE, true),
      ...(o.caCerts !== undefined ? { ca: o.caCerts } : {}),
    };
    return () => accept(server);
  }
  const verify = verifyModeFor(o.certReqs ?? CERT_REQUIRED, false);
  const checkHostname = o.checkHostname ?? verify !== 'none';
  if (checkHostname && verify === 'none') {
    // Python: "Cannot set verify_mode to CERT_NONE when check_hostname is enabled."
    throw new TlsError('config_invalid', 'checkHostname needs certificate verification: certReqs CERT_NONE checks no name');
  }
  if (checkHostname && o.serverHostname === undefined) {
    // Python: "check_hostname requires server_hostname". A chain that verifies proves nothing about which host it is.
    throw new TlsError(
      'config_invalid',
      'a verifying client needs serverHostname, the name to check the certificate against (or checkHostname: false to check only the chain)',
    );
  }
  const client = {
    ...common,
    verify,
    ...(o.caCerts !== undefined ? { ca: o.caCerts } : {}),
    ...(o.serverHostname !== undefined ? { serverName: o.serverHostname } : {}),
    checkHostname,
    ...(pair ? pair : {}),
  };
  return () => connect(client);
}
