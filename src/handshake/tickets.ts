/**
 * Server-side session state and RFC 5077 session tickets.
 *
 * A ticket is the server's session state, encrypted and authenticated under a key only the server knows, so the
 * server keeps nothing per session. Layout (our own; RFC 5077 §4 only recommends one):
 *
 *   key_name[16] || nonce[12] || AES-256-GCM(state) || tag[16]      (key_name is the AAD)
 *
 * The key name picks the key out of the ring, so old keys keep opening the tickets they made while new tickets
 * use the newest key. Anything that does not open — unknown name, forged or truncated bytes, a state we cannot
 * parse — is simply "no session": the caller falls back to a full handshake.
 */
import { TlsError } from '../errors.js';
import { Reader, Writer, utf8 } from './codec.js';
import type { AeadCipher, CryptoProvider, RandomSource } from '../crypto/types.js';
import type { ProtocolVersion } from '../crypto/suites.js';

/** Everything a server needs to resume a session: what a cache entry holds and a ticket carries. */
export interface ServerSessionState {
  version: ProtocolVersion;
  /** Cipher suite id. */
  cipherSuite: number;
  masterSecret: Uint8Array;
  extendedMasterSecret: boolean;
  /** RFC 7366 §3.1: a resumed session keeps the encrypt-then-MAC choice of the full handshake. */
  encryptThenMac: boolean;
  serverName?: string;
  alpnProtocol?: string;
  /** The client's certificate chain (DER, leaf first) from the full handshake; empty when none was sent. */
  peerChain: Uint8Array[];
  /** Milliseconds since the epoch of the full handshake. Renewed tickets keep it, so lifetime is never extended. */
  createdAt: number;
  /**
   * The client-authentication policy of the full handshake (ServerHandshakeConfig.clientAuthPolicy: the requestCert
   * mode and the identity of the client CA set). A session is only resumed where client auth asks for nothing or
   * for exactly this policy, so a session made without (or under other) client authentication never stands in for it.
   */
  clientAuthPolicy: string;
  /** The client's chain was verified in the full handshake. */
  clientVerified: boolean;
  /**
   * TLS 1.3 tickets (masterSecret then holds the resumption PSK, HashLen bytes): the ticket_age_add the client was
   * given, to recover the ticket's age from obfuscated_ticket_age (RFC 8446 §4.2.11.1). Absent on TLS 1.2 states.
   */
  ageAdd?: number;
  /**
   * With clientVerified: the earliest notAfter (ms since the epoch) of the client's verified path. Past it the session
   * is not resumed; a verified state without it (formats 2 and 3) is not resumed at all.
   */
  clientNotAfter?: number;
  /** The scheme of the client's CertificateVerify (absent before TLS 1.2); resumed only where it is still accepted. */
  clientSignatureScheme?: number;
  /** TLS 1.3: the max_early_data_size the ticket allowed (0: no early data with it). */
  maxEarlyData?: number;
  /**
   * TLS 1.3: milliseconds since the epoch when this ticket was issued (a ticket from a resumed connection keeps the
   * first handshake's createdAt, but its age, which the client reports, counts from here).
   */
  issuedAt?: number;
}

export interface TicketKey {
  /** 16 bytes, sent in the clear at the start of each ticket to say which key made it. */
  name: Uint8Array;
  /** 32 bytes: the AES-256-GCM key. */
  key: Uint8Array;
}

export const TICKET_KEY_NAME_BYTES = 16;
export const TICKET_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
// 2: the client-authentication policy and outcome were added; tickets of format 1 no longer open (full handshake).
// 3: TLS 1.3 states (a 32- or 48-byte PSK; ticket_age_add, max_early_data, issue time after the chain). Format 2 still opens.
// 4: the client's path notAfter and CertificateVerify scheme at the end (0: none). Formats 2 and 3 still open, but a
//    state of theirs with a verified client certificate is not resumed (server.ts clientAuthSatisfied).
const STATE_FORMAT = 4;
const STATE_FORMAT_3 = 3;
const STATE_FORMAT_2 = 2;
const FLAG_EMS = 1;
const FLAG_ETM = 2;
const FLAG_CLIENT_VERIFIED = 4;

export function encodeSessionState(s: ServerSessionState): Uint8Array {
  const w = new Writer(128 + s.peerChain.reduce((n, c) => n + c.length + 3, 0));
  w.u8(STATE_FORMAT).u16(s.version).u16(s.cipherSuite).vec(1, s.masterSecret);
  w.u8((s.extendedMasterSecret ? FLAG_EMS : 0) | (s.encryptThenMac ? FLAG_ETM : 0) | (s.clientVerified ? FLAG_CLIENT_VERIFIED : 0));
  w.vec(1, utf8.encode(s.serverName ?? '')).vec(1, utf8.encode(s.alpnProtocol ?? ''));
  w.vec(1, utf8.encode(s.clientAuthPolicy));
  w.u64(BigInt(s.createdAt));
  w.prefixed(3, (w) => {
    for (const c of s.peerChain) w.vec(3, c);
  });
  w.u32(s.ageAdd ?? 0).u32(s.maxEarlyData ?? 0).u64(BigInt(s.issuedAt ?? s.createdAt));
  w.u64(BigInt(s.clientNotAfter ?? 0)).u16(s.clientSignatureScheme ?? 0);
  return w.finish();
}

/** Throws a decode TlsError for anything malformed (a ticket that decrypted but came from another format). */
export function decodeSessionState(b: Uint8Array): ServerSessionState {
  const r = new Reader(b, 0, b.length, 'session state');
  const format = r.u8();
  if (format !== STATE_FORMAT && format !== STATE_FORMAT_3 && format !== STATE_FORMAT_2) throw new TlsError('decode_bad_value', 'session state: unknown format');
  const version = r.u16() as ProtocolVersion;
  const cipherSuite = r.u16();
  // A TLS 1.2 master secret is 48 bytes; a TLS 1.3 resumption PSK is the suite's hash length (32 or 48).
  const masterSecret = (format === STATE_FORMAT_2 ? r.vec(1, 48, 48) : r.vec(1, 32, 48)).slice();
  const flags = r.u8();
  const serverName = utf8.decode(r.vec(1));
  const alpnProtocol = utf8.decode(r.vec(1));
  const clientAuthPolicy = utf8.decode(r.vec(1));
  const createdAt = Number(r.u64());
  const chain = r.subVec(3, 'session state peer chain');
  const peerChain: Uint8Array[] = [];
  while (!chain.atEnd()) peerChain.push(chain.vec(3, 1).slice());
  const ageAdd = format === STATE_FORMAT_2 ? 0 : r.u32();
  const maxEarlyData = format === STATE_FORMAT_2 ? 0 : r.u32();
  const issuedAt = format === STATE_FORMAT_2 ? createdAt : Number(r.u64());
  const clientNotAfter = format === STATE_FORMAT ? Number(r.u64()) : 0;
  const clientSignatureScheme = format === STATE_FORMAT ? r.u16() : 0;
  r.end();
  return {
    version,
    cipherSuite,
    masterSecret,
    extendedMasterSecret: !!(flags & FLAG_EMS),
    encryptThenMac: !!(flags & FLAG_ETM),
    ...(serverName ? { serverName } : {}),
    ...(alpnProtocol ? { alpnProtocol } : {}),
    peerChain,
    createdAt,
    clientAuthPolicy,
    clientVerified: !!(flags & FLAG_CLIENT_VERIFIED),
    ...(format !== STATE_FORMAT_2 ? { ageAdd, maxEarlyData, issuedAt } : {}),
    ...(clientNotAfter ? { clientNotAfter } : {}),
    ...(clientSignatureScheme ? { clientSignatureScheme } : {}),
  };
}

function checkKey(k: TicketKey): TicketKey {
  if (!(k?.name instanceof Uint8Array) || k.name.length !== TICKET_KEY_NAME_BYTES) {
    throw new TlsError('config_invalid', `a ticket key name must be ${TICKET_KEY_NAME_BYTES} bytes`);
  }
  if (!(k.key instanceof Uint8Array) || k.key.length !== TICKET_KEY_BYTES) {
    throw new TlsError('config_invalid', `a ticket key must be ${TICKET_KEY_BYTES} bytes (AES-256-GCM)`);
  }
  return { name: k.name.slice(), key: k.key.slice() };
}

/**
 * The server's ticket keys, newest first. New tickets use the newest; every key in the ring still opens its own
 * tickets, so rotating (on a timer, or across a server farm) does not cut off the sessions of the last period.
 */
export class TicketKeyRing {
  private keys: TicketKey[] = [];

  constructor(
    keys: readonly TicketKey[] | undefined,
    private readonly random: RandomSource,
    /** How many keys are kept (the newest plus older ones that still decrypt). */
    private readonly capacity = 3,
  ) {
    this.set(keys ?? [this.fresh()]);
  }

  private fresh(): TicketKey {
    return { name: this.random(TICKET_KEY_NAME_BYTES), key: this.random(TICKET_KEY_BYTES) };
  }

  /** The key new tickets are sealed with. */
  get current(): TicketKey {
    return this.keys[0]!;
  }

  /** Make `next` (random when not given) the newest key; the oldest beyond the capacity are forgotten. */
  rotate(next?: TicketKey): void {
    const k = next ? checkKey(next) : this.fresh();
    this.keys = [k, ...this.keys.filter((x) => x.name.join() !== k.name.join())].slice(0, Math.max(1, this.capacity));
  }

  /** Replace the whole ring (newest first), e.g. with keys shared by a server farm. */
  set(keys: readonly TicketKey[]): void {
    if (!keys.length) throw new TlsError('config_invalid', 'ticketKeys is empty');
    const checked = keys.map(checkKey);
    if (new Set(checked.map((k) => k.name.join())).size !== checked.length) {
      throw new TlsError('config_invalid', 'two ticket keys share a name');
    }
    this.keys = checked;
  }

  find(name: Uint8Array): TicketKey | undefined {
    const n = name.join();
    return this.keys.find((k) => k.name.join() === n);
  }
}

/**
 * The AEAD of a ticket key, made once per key and provider: a server seals two tickets per TLS 1.3 handshake, and
 * the key schedule (and GHASH table) of AES-256 cost more than sealing the ~100-byte state. Ring keys are private
 * copies (checkKey), never changed, so the key object stands for its bytes.
 */
const ticketAeads = new WeakMap<TicketKey, WeakMap<CryptoProvider, Promise<AeadCipher>>>();
function ticketAead(provider: CryptoProvider, k: TicketKey): Promise<AeadCipher> {
  let byProvider = ticketAeads.get(k);
  if (!byProvider) ticketAeads.set(k, (byProvider = new WeakMap()));
  let a = byProvider.get(provider);
  if (!a) {
    a = provider.aead('AES_256_GCM', k.key);
    byProvider.set(provider, a);
    a.catch(() => byProvider!.delete(provider));
  }
  return a;
}

/** Seal `state` under the ring's newest key. */
export async function sealTicket(
  provider: CryptoProvider,
  ring: TicketKeyRing,
  state: ServerSessionState,
  random: RandomSource,
): Promise<Uint8Array> {
  const k = ring.current;
  const nonce = random(NONCE_BYTES);
  const aead = await ticketAead(provider, k);
  const sealed = await aead.seal(nonce, k.name, encodeSessionState(state));
  const out = new Uint8Array(TICKET_KEY_NAME_BYTES + NONCE_BYTES + sealed.length);
  out.set(k.name, 0);
  out.set(nonce, TICKET_KEY_NAME_BYTES);
  out.set(sealed, TICKET_KEY_NAME_BYTES + NONCE_BYTES);
  return out;
}

export interface OpenedTicket {
  state: ServerSessionState;
  /** Sealed with an older key: worth replacing with a ticket under the newest one. */
  oldKey: boolean;
}

/** The state inside a ticket, or null when it does not open (unknown key, tampered, malformed). */
export async function openTicket(provider: CryptoProvider, ring: TicketKeyRing, ticket: Uint8Array): Promise<OpenedTicket | null> {
  if (ticket.length < TICKET_KEY_NAME_BYTES + NONCE_BYTES + TAG_BYTES) return null;
  const k = ring.find(ticket.subarray(0, TICKET_KEY_NAME_BYTES));
  if (!k) return null;
  const aead = await ticketAead(provider, k);
  const plain = await aead.open(
    ticket.subarray(TICKET_KEY_NAME_BYTES, TICKET_KEY_NAME_BYTES + NONCE_BYTES),
    k.name,
    ticket.subarray(TICKET_KEY_NAME_BYTES + NONCE_BYTES),
  );
  if (!plain) return null;
  try {
    return { state: decodeSessionState(plain), oldKey: k !== ring.current };
  } catch (e) {
    if (e instanceof TlsError) return null; // authentic but unreadable: a format from another build
    throw e;
  }
}
