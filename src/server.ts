/** accept() and the ServerContext: a TLS server over any ByteStream. */
import { TlsError } from './errors.js';
import { Engine, type EngineLimits } from './engine.js';
import { establish, type TlsConnection, type HandshakeResult } from './connection.js';
import { identityFitsSuite, serverHandshake, type ClientAuthMode, type ServerHandshakeConfig } from './handshake/server.js';
import type { ByteStream } from './transport/types.js';
import type { PemInput } from './pem.js';
import type { TlsVersion } from './crypto/suites.js';
import { FFDHE, type FfdheGroupName } from './crypto/kex.js';
import type { CryptoProvider, RandomSource } from './crypto/types.js';
import { loadCertificates } from './x509/certificate.js';
import { cipherSuites, loadIdentity, makeVerifier, namedGroups, signatureSchemes, versionRange, type Identity } from './config.js';
import { peerCertificateFromDer } from './peer.js';

/** A certificate chain (leaf first) with its private key. */
export interface ServerIdentityInput {
  cert: PemInput;
  key: PemInput;
  /** For an encrypted PKCS#8 key. */
  passphrase?: string;
}

/** What a virtual-host callback may answer: another context (its identities are used), one identity, or nothing (keep ours). */
export type SniResult = ServerContext | ServerIdentityInput | undefined;

/** Everything about a server except the transport and per-connection controls. */
export interface ServerOptions {
  /** Certificate chain (leaf first) and key; or `identities` for several at once (RSA and ECDSA side by side). */
  cert?: PemInput;
  key?: PemInput;
  passphrase?: string;
  identities?: ServerIdentityInput[];
  /** Client authentication (CERT_NONE / CERT_OPTIONAL / CERT_REQUIRED). Default 'none'. */
  requestCert?: ClientAuthMode;
  /** Trust anchors for client certificates; their names go into CertificateRequest. Default: the system bundle. */
  ca?: PemInput | PemInput[];
  /** Default: TLS 1.2 only. */
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** IANA names, in our preference order. */
  cipherSuites?: string[];
  /** Pick the suite by our order (default true) or the client's (false). */
  honorCipherOrder?: boolean;
  alpnProtocols?: string[];
  /** Named groups in preference order (ECDHE curves and RFC 7919 groups). */
  groups?: string[];
  /** TLS 1.2 signature schemes we sign with and accept for client CertificateVerify. */
  signatureAlgorithms?: string[];
  /** RFC 7919 group for DHE when the client names none. Default 'ffdhe2048'. */
  dhGroup?: FfdheGroupName;
  /** Virtual hosts: called with the client's SNI name. */
  sniCallback?: (serverName: string) => SniResult | Promise<SniResult>;
  /** Fail a handshake after this many milliseconds. */
  timeoutMs?: number;
  /** Injected randomness, clock and crypto provider (tests, special platforms). */
  random?: RandomSource;
  now?: () => Date;
  provider?: CryptoProvider;
  limits?: EngineLimits;
}

export interface AcceptOptions extends ServerOptions {
  transport: ByteStream;
  /** Shared server state from createServerContext(); the options above are then taken from it. */
  context?: ServerContext;
  signal?: AbortSignal;
}

/**
 * Server state built once and shared by many accept() calls: parsed identities, client-certificate trust anchors
 * and the negotiation policy. Configuration errors surface here, before any byte is sent. The session cache and
 * ticket keys of the sessions issue belong here too, beside `handshake`.
 */
export class ServerContext {
  /** The handshake policy every connection on this context runs with. */
  readonly handshake: ServerHandshakeConfig;
  readonly options: Readonly<ServerOptions>;

  constructor(o: ServerOptions) {
    this.options = { ...o };
    this.handshake = buildHandshakeConfig(o);
  }
}

export function createServerContext(o: ServerOptions): ServerContext {
  if (!o || typeof o !== 'object') throw new TlsError('config_invalid', 'createServerContext() needs options');
  return new ServerContext(o);
}

function loadIdentities(o: ServerOptions): Identity[] {
  const list: ServerIdentityInput[] = [...(o.identities ?? [])];
  if (o.cert !== undefined || o.key !== undefined) {
    if (o.cert === undefined || o.key === undefined) throw new TlsError('config_invalid', 'cert and key go together');
    list.unshift({ cert: o.cert, key: o.key, ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}) });
  }
  if (!list.length) throw new TlsError('config_invalid', 'a server needs cert and key (or identities)');
  return list.map((i) => loadIdentity(i.cert, i.key, i.passphrase ?? o.passphrase));
}

function buildHandshakeConfig(o: ServerOptions): ServerHandshakeConfig {
  const identities = loadIdentities(o);
  const [minVersion, maxVersion] = versionRange(o.minVersion, o.maxVersion);
  const suites = cipherSuites(o.cipherSuites);
  const clientAuth = o.requestCert ?? 'none';
  if (!['none', 'optional', 'required'].includes(clientAuth)) {
    throw new TlsError('config_invalid', `requestCert must be 'none', 'optional' or 'required'`);
  }
  const dhGroup = o.dhGroup ?? 'ffdhe2048';
  if (!(dhGroup in FFDHE)) throw new TlsError('config_invalid', `dhGroup '${dhGroup}' is not an RFC 7919 group`);
  // A configuration that can never complete a handshake is a mistake to report now, not per client.
  const usable = suites.some(
    (s) => s.minVersion <= maxVersion && s.maxVersion >= minVersion && identities.some((id) => identityFitsSuite(id, s)),
  );
  if (!usable) throw new TlsError('config_invalid', 'no configured cipher suite fits the certificates and the version range');
  const now = o.now ?? (() => new Date());
  const caNames = clientAuth !== 'none' && o.ca !== undefined ? loadCertificates(o.ca).map((c) => c.subject.der) : [];
  if (clientAuth !== 'none' && o.ca !== undefined && !caNames.length) throw new TlsError('config_no_ca', 'no certificates found in ca');
  const sni = o.sniCallback;
  return {
    identities,
    ...(sni
      ? {
          identitiesFor: async (name: string) => {
            const r = await sni(name);
            if (r === undefined) return undefined;
            return r instanceof ServerContext ? r.handshake.identities : [loadIdentity(r.cert, r.key, r.passphrase)];
          },
        }
      : {}),
    minVersion,
    maxVersion,
    suites,
    honorCipherOrder: o.honorCipherOrder ?? true,
    groups: namedGroups(o.groups),
    dhGroup,
    signatureSchemes: signatureSchemes(o.signatureAlgorithms),
    ...(o.alpnProtocols?.length ? { alpnProtocols: [...o.alpnProtocols] } : {}),
    clientAuth,
    clientCaNames: caNames,
    // A certificate the client chose to send is always checked, also when it was optional (Python's CERT_OPTIONAL).
    verifyClient: makeVerifier({ mode: 'required', ca: o.ca, purpose: 'client', now }),
  };
}

/** Run the server side of one TLS connection; resolves once the handshake is complete. */
export async function accept(o: AcceptOptions): Promise<TlsConnection> {
  if (!o || !o.transport) throw new TlsError('config_invalid', 'accept() needs a transport');
  const ctx = o.context ?? createServerContext(o);
  const opts = ctx.options;
  const timeoutMs = o.timeoutMs ?? opts.timeoutMs;
  // Per-connection injections win over the context's.
  const random = o.random ?? opts.random;
  const now = o.now ?? opts.now;
  const provider = o.provider ?? opts.provider;
  const limits = o.limits ?? opts.limits;
  const engine = new Engine<HandshakeResult>({
    ...(random ? { random } : {}),
    ...(now ? { now } : {}),
    ...(provider ? { provider } : {}),
    ...(limits ? { limits } : {}),
  });
  return establish(o.transport, engine, (io) => serverHandshake(io, ctx.handshake), peerCertificateFromDer, {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}
