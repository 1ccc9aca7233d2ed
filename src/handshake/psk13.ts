/**
 * TLS 1.3 pre-shared keys (RFC 8446 §4.2.11), the parts both roles share:
 *
 * - the PSK binder: HMAC(finished_key, Transcript-Hash(Truncate(ClientHello))), finished_key derived from the
 *   binder_key ("res binder" for a resumption PSK, "ext binder" for an external one) of the Early Secret that the
 *   PSK starts (§4.2.11.2, §7.1). The truncated ClientHello is the whole message (header included) up to, not
 *   including, the binders list (its u16 length included). After a HelloRetryRequest the transcript the binder
 *   covers is message_hash(ClientHello1) || HelloRetryRequest || Truncate(ClientHello2): the `prefix` argument is
 *   what precedes the ClientHello (empty for the first one).
 * - building the pre_shared_key extension: it must be the last extension of the ClientHello (§4.2.11), and its
 *   binders cover everything before them, so the client builds the hello with placeholder binders of the right
 *   lengths, encodes it, then writes the real binders over the placeholders (the encoding keeps its length).
 * - the obfuscated ticket age: (age in ms + ticket_age_add) mod 2^32 (§4.2.11.1), and its inverse for the server.
 *
 * A server checks a received binder with `verifyBinder` (constant-time comparison) over `truncatedClientHello` of
 * the raw message it received, before anything else of the PSK is used.
 */
import { TlsError } from '../errors.js';
import type { CryptoProvider } from '../crypto/types.js';
import { KeySchedule13, finishedKey, hmacWith, type Tls13Hash } from '../crypto/keyschedule.js';
import { hash as digest, hashLen } from '../crypto/hash.js';
import { concat, equalBytes } from '../bytes.js';
import type { Extension } from './extensions.js';
import { ExtensionType13 as ET13, bindersLength, encodePreSharedKeyClient, type PskIdentity } from './extensions13.js';

/** 2^32: ticket ages and age_add are uint32 and their sum wraps (§4.2.11.1). */
const U32 = 0x1_0000_0000;

/** What binder_key label a PSK uses: "res binder" (from a NewSessionTicket) or "ext binder" (external). */
export type PskKind = 'res' | 'ext';

/** One PSK the client offers: the identity sent, and the secret and hash its binder is computed with. */
export interface PskCandidate extends PskIdentity {
  /** The PSK itself (for a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce)). Secret. */
  psk: Uint8Array;
  /** The hash of the suite the PSK belongs to; the binder is that hash's length. */
  hash: Tls13Hash;
  kind: PskKind;
}

// ---------------------------------------------------------------- ticket age (§4.2.11.1)

/**
 * obfuscated_ticket_age = (ticket age in milliseconds + ticket_age_add) mod 2^32. A negative age (a clock that
 * went back) counts as 0; ages past 2^32 ms wrap like the sum.
 */
export function obfuscateTicketAge(ageMs: number, ageAdd: number): number {
  const age = Number.isFinite(ageMs) && ageMs > 0 ? Math.floor(ageMs) % U32 : 0;
  return (age + (ageAdd >>> 0)) % U32;
}

/** The client's view of the ticket age in milliseconds, recovered by the server from obfuscated_ticket_age. */
export function deobfuscateTicketAge(obfuscatedAge: number, ageAdd: number): number {
  return ((obfuscatedAge >>> 0) - (ageAdd >>> 0) + U32) % U32;
}

/** The age of a ticket received at `receivedAtMs` (the injected clock), now, in milliseconds, never negative. */
export function ticketAgeMs(receivedAtMs: number, nowMs: number): number {
  return Math.max(0, Math.floor(nowMs - receivedAtMs));
}

// ---------------------------------------------------------------- binders (§4.2.11.2)

/** The binder_key of a PSK: Derive-Secret(Early Secret(PSK), "res binder" | "ext binder", ""). */
export async function pskBinderKey(p: CryptoProvider, h: Tls13Hash, psk: Uint8Array, kind: PskKind): Promise<Uint8Array> {
  return (await KeySchedule13.start(p, h, psk)).binderKey(kind);
}

/**
 * The ClientHello (header included) truncated before its binders list: what the binders are computed over.
 * `binders` are the binders the message carries (placeholders or real), so their encoded length is known.
 */
export function truncatedClientHello(clientHelloMsg: Uint8Array, binders: readonly Uint8Array[]): Uint8Array {
  const cut = clientHelloMsg.length - bindersLength(binders);
  if (cut < 4) throw new TlsError('decode_error', 'the ClientHello is shorter than its PSK binders');
  return clientHelloMsg.subarray(0, cut);
}

/**
 * One binder: HMAC(finished_key(binder_key), Hash(prefix || truncated ClientHello)). `prefix` is the transcript
 * before this ClientHello: empty for the first, message_hash(ClientHello1) || HelloRetryRequest for the second.
 */
export async function computeBinder(
  p: CryptoProvider,
  h: Tls13Hash,
  psk: Uint8Array,
  kind: PskKind,
  prefix: Uint8Array,
  truncatedHello: Uint8Array,
): Promise<Uint8Array> {
  return binderOverHash(p, h, await pskBinderKey(p, h, psk, kind), digest(h, concat(prefix, truncatedHello)));
}

/** The binder from a binder_key and the transcript hash it covers (the RFC 8448 trace gives both). */
export async function binderOverHash(p: CryptoProvider, h: Tls13Hash, binderKey: Uint8Array, transcriptHash: Uint8Array): Promise<Uint8Array> {
  return hmacWith(p, h, await finishedKey(p, h, binderKey), transcriptHash);
}

/** The server's check of a received binder, compared in constant time; false on any mismatch (length included). */
export async function verifyBinder(
  p: CryptoProvider,
  h: Tls13Hash,
  psk: Uint8Array,
  kind: PskKind,
  prefix: Uint8Array,
  truncatedHello: Uint8Array,
  received: Uint8Array,
): Promise<boolean> {
  const expected = await computeBinder(p, h, psk, kind, prefix, truncatedHello);
  return received.length === expected.length && equalBytes(expected, received);
}

// ---------------------------------------------------------------- the client's pre_shared_key

/** The pre_shared_key extension with zero binders of the right lengths: the last extension to put in the hello. */
export function preSharedKeyPlaceholder(candidates: readonly PskCandidate[]): Extension {
  if (!candidates.length) throw new TlsError('internal_error', 'pre_shared_key needs at least one PSK');
  return {
    type: ET13.pre_shared_key,
    data: encodePreSharedKeyClient({
      identities: candidates.map((c) => ({ identity: c.identity, obfuscatedTicketAge: c.obfuscatedTicketAge })),
      binders: candidates.map((c) => new Uint8Array(hashLen(c.hash))),
    }),
  };
}

/** Whether pre_shared_key, if present, is the last extension (§4.2.11: a server refuses it elsewhere). */
export function pskExtensionIsLast(extensions: readonly Extension[] | null): boolean {
  if (!extensions) return true;
  const i = extensions.findIndex((e) => e.type === ET13.pre_shared_key);
  return i === -1 || i === extensions.length - 1;
}

/**
 * Writes the real binders into an encoded ClientHello body whose last extension is `preSharedKeyPlaceholder
 * (candidates)`, and returns the body (a new array). `prefix` is the transcript before this ClientHello.
 * Every binder covers the same truncated hello (the identities, not the other binders).
 */
export async function fillBinders(
  p: CryptoProvider,
  helloBody: Uint8Array,
  candidates: readonly PskCandidate[],
  prefix: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array> {
  const placeholders = candidates.map((c) => new Uint8Array(hashLen(c.hash)));
  const len = helloBody.length;
  if (len > 0xffffff) throw new TlsError('internal_error', 'ClientHello too long');
  const msg = concat(Uint8Array.of(1, len >> 16, (len >> 8) & 0xff, len & 0xff), helloBody);
  const truncated = truncatedClientHello(msg, placeholders);
  // The tail must be the placeholder list we expect, or we would overwrite something else.
  let o = truncated.length;
  if (((msg[o]! << 8) | msg[o + 1]!) !== bindersLength(placeholders) - 2) {
    throw new TlsError('internal_error', 'the ClientHello does not end with the PSK binder placeholders');
  }
  o += 2;
  const binders = await Promise.all(candidates.map((c) => computeBinder(p, c.hash, c.psk, c.kind, prefix, truncated)));
  const out = msg.slice(4);
  for (const b of binders) {
    if (msg[o] !== b.length) throw new TlsError('internal_error', 'PSK binder placeholder of the wrong length');
    out.set(b, o + 1 - 4);
    o += 1 + b.length;
  }
  return out;
}
