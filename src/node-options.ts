/**
 * Node's tls option names, for option objects written for tls.connect / tls.createServer: the ones with a meaning
 * here are taken as aliases of ours; the ones without are refused with a config_invalid error that says what to use
 * instead, so plain JavaScript callers are told at once rather than silently getting a different behaviour.
 */
import { TlsError } from './errors.js';
import { suiteByName, type CipherSuiteOption } from './crypto/suites.js';

/** Node's names that connect() takes as aliases of its own. */
export interface NodeClientAliases {
  /** Node's name for serverName. */
  servername?: string;
  /**
   * Node's switch: true (Node's default) is verify 'required'; false is verify 'optional' (the handshake completes
   * and `connection.verification` says what failed, like Node's `authorized` / `authorizationError`).
   */
  rejectUnauthorized?: boolean;
  /** Node's name for alpnProtocols (an array of strings). */
  ALPNProtocols?: string[];
  /** An OpenSSL-style list of suite names, colon-separated (Node's `ciphers`); keywords like HIGH are refused. */
  ciphers?: string;
}

/** Node options with no counterpart here, and what to use instead. */
const REFUSED: Record<string, string> = {
  pfx: 'pass cert and key (PEM or DER)',
  secureContext: 'pass the options themselves (a server shares them with createServerContext())',
  secureProtocol: 'use minVersion / maxVersion',
  secureOptions: 'use minVersion / maxVersion and the named options',
  socket: 'pass transport: nodeStream(socket)',
  ecdhCurve: "use groups, e.g. ['x25519', 'secp256r1']",
  sigalgs: 'use signatureAlgorithms',
  SNICallback: 'use sniCallback(serverName), which returns a context or an identity',
  pskCallback: 'PSK suites are not supported',
  pskIdentityHint: 'PSK suites are not supported',
  dhparam: "use dhGroup ('ffdhe2048', ...)",
  privateKeyEngine: 'pass key',
  privateKeyIdentifier: 'pass key',
  clientCertEngine: 'pass cert and key',
  crl: 'CRLs are checked with verifyCertificateChain({ crls })',
  enableTrace: 'use keyLog for debugging',
  lookup: 'resolve the name first and pass host',
  path: 'pass transport',
  requestOCSP: 'use requestOcsp',
  minDHSize: 'use minDhBits',
};

function alias<T>(o: Record<string, unknown>, ours: string, node: string, map: (v: unknown) => T): T | undefined {
  const n = o[node];
  if (n === undefined) return o[ours] as T | undefined;
  const v = map(n);
  if (o[ours] !== undefined && JSON.stringify(o[ours]) !== JSON.stringify(v)) {
    throw new TlsError('config_invalid', `${ours} and ${node} (Node's name) disagree: give one of them`);
  }
  return v;
}

function refuseUnsupported(o: Record<string, unknown>, extra: Record<string, string> = {}): void {
  for (const [k, hint] of Object.entries({ ...REFUSED, ...extra })) {
    if (o[k] !== undefined) throw new TlsError('config_invalid', `option ${k} (Node's tls) is not supported: ${hint}`);
  }
}

/** A suite list from an OpenSSL-style string: names only (IANA or OpenSSL), colon- or comma-separated. */
export function cipherList(ciphers: string, what = 'ciphers'): CipherSuiteOption[] {
  if (typeof ciphers !== 'string') throw new TlsError('config_invalid', `${what} must be a string`);
  const names = ciphers.split(/[:,\s]+/).filter(Boolean);
  for (const n of names) {
    if (!suiteByName(n)) throw new TlsError('config_invalid', `unknown or unsupported cipher '${n}' in ${what}`);
  }
  return names as CipherSuiteOption[];
}

const strings = (what: string) => (v: unknown): string[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new TlsError('config_invalid', `${what} must be an array of strings`);
  return v;
};

/** connect() options with Node's names turned into ours (the same object when none is used). */
export function clientAliases<T extends object>(input: T): T {
  const o = input as Record<string, unknown>;
  refuseUnsupported(o);
  if (o.session instanceof Uint8Array) {
    throw new TlsError('config_invalid', 'session takes the TlsSession object of an earlier connection (connection.session), not bytes');
  }
  if (['servername', 'rejectUnauthorized', 'ALPNProtocols', 'ciphers'].every((k) => o[k] === undefined)) return input;
  const out: Record<string, unknown> = { ...o };
  out.serverName = alias(o, 'serverName', 'servername', (v) => {
    if (typeof v !== 'string') throw new TlsError('config_invalid', 'servername must be a string');
    return v;
  });
  out.verify = alias(o, 'verify', 'rejectUnauthorized', (v) => {
    if (typeof v !== 'boolean') throw new TlsError('config_invalid', 'rejectUnauthorized must be true or false');
    return v ? 'required' : 'optional';
  });
  out.alpnProtocols = alias(o, 'alpnProtocols', 'ALPNProtocols', strings('ALPNProtocols'));
  out.cipherSuites = alias(o, 'cipherSuites', 'ciphers', (v) => cipherList(v as string));
  for (const k of ['servername', 'rejectUnauthorized', 'ALPNProtocols', 'ciphers']) delete out[k];
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as T;
}

/**
 * Server options with Node's names turned into ours: requestCert as a boolean (with rejectUnauthorized: true, Node's
 * default, a certificate is required; false only asks), ALPNProtocols, ciphers.
 */
export function serverAliases<T extends object>(input: T): T {
  const o = input as Record<string, unknown>;
  refuseUnsupported(o, { servername: 'a server has no servername (sniCallback sees the name the client sent)' });
  const out: Record<string, unknown> = { ...o };
  let changed = false;
  if (typeof o.requestCert === 'boolean') {
    if (o.rejectUnauthorized !== undefined && typeof o.rejectUnauthorized !== 'boolean') {
      throw new TlsError('config_invalid', 'rejectUnauthorized must be true or false');
    }
    out.requestCert = !o.requestCert ? 'none' : o.rejectUnauthorized === false ? 'optional' : 'required';
    changed = true;
  } else if (o.rejectUnauthorized !== undefined) {
    throw new TlsError('config_invalid', "on a server, rejectUnauthorized goes with requestCert: true/false (Node's); or use requestCert: 'none' | 'optional' | 'required'");
  }
  delete out.rejectUnauthorized;
  if (o.ALPNProtocols !== undefined) {
    out.alpnProtocols = alias(o, 'alpnProtocols', 'ALPNProtocols', strings('ALPNProtocols'));
    delete out.ALPNProtocols;
    changed = true;
  }
  if (o.ciphers !== undefined) {
    out.cipherSuites = alias(o, 'cipherSuites', 'ciphers', (v) => cipherList(v as string));
    delete out.ciphers;
    changed = true;
  }
  if (o.ticketKeys instanceof Uint8Array) {
    throw new TlsError('config_invalid', "ticketKeys takes [{ name, key }] objects here (see TicketKey), not Node's 48-byte buffer");
  }
  return changed || 'rejectUnauthorized' in o ? (out as T) : input;
}
