/** Outgoing records: split data into fragments, protect each, and frame them with headers. */
import { concat } from '../bytes.js';
import { TlsError } from '../errors.js';
import { MAX_CIPHERTEXT, MAX_PLAINTEXT, RECORD_HEADER_LEN, isKnownContentType } from './constants.js';
import type { Protection } from './protection.js';

/**
 * Splits data of one content type into pieces of at most maxFragment bytes (views, no copies).
 * Empty data gives no pieces: an empty record is never needed, and for most types forbidden.
 */
export function fragment(type: number, data: Uint8Array, maxFragment: number = MAX_PLAINTEXT): Uint8Array[] {
  if (!isKnownContentType(type)) throw new TlsError('internal_error', `cannot send records of content type ${type}`);
  checkMaxFragment(maxFragment);
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += maxFragment) out.push(data.subarray(off, Math.min(data.length, off + maxFragment)));
  return out;
}

function checkMaxFragment(maxFragment: number): void {
  if (!Number.isInteger(maxFragment) || maxFragment < 1 || maxFragment > MAX_PLAINTEXT) {
    throw new TlsError('config_invalid', `maximum fragment length must be 1..${MAX_PLAINTEXT}, got ${maxFragment}`);
  }
}

function writeHeader(out: Uint8Array, at: number, type: number, version: number, length: number): void {
  out[at] = type;
  out[at + 1] = version >> 8;
  out[at + 2] = version & 0xff;
  out[at + 3] = length >> 8;
  out[at + 4] = length & 0xff;
}

/** One record: header || body. */
export function encodeRecord(type: number, version: number, body: Uint8Array): Uint8Array {
  if (body.length > MAX_CIPHERTEXT) throw new TlsError('internal_error', `record body of ${body.length} bytes exceeds ${MAX_CIPHERTEXT}`);
  const out = new Uint8Array(RECORD_HEADER_LEN + body.length);
  writeHeader(out, 0, type, version, body.length);
  out.set(body, RECORD_HEADER_LEN);
  return out;
}

export interface SealOptions {
  /** Largest plaintext per record (default 2^14; smaller after max_fragment_length). */
  maxFragment?: number;
  /**
   * TLS 1.0 CBC 1/n−1 split (the BEAST counter-measure): the first record carries one byte, so the
   * chained IV of the record holding the rest is no longer predictable from the peer's point of view.
   */
  splitFirstByte?: boolean;
}

/** Seals data as records under the given protection and returns them concatenated, ready to send. */
export async function sealRecords(protection: Protection, type: number, version: number, data: Uint8Array, opts: SealOptions = {}): Promise<Uint8Array> {
  return concat(...(await sealRecordParts(protection, type, version, data, opts)));
}

/**
 * sealRecords(), returning the records as parts to put on the wire in order (each header, then its body's
 * parts): whoever sends several batches together copies each byte once, into the one buffer it writes.
 */
export async function sealRecordParts(protection: Protection, type: number, version: number, data: Uint8Array, opts: SealOptions = {}): Promise<Uint8Array[]> {
  const pieces = splitForSealing(type, data, opts);
  // All records are handed over at once, in order (sequence numbers follow call order): a protection
  // that can work on several records in parallel (AEAD with an async provider) gets them together.
  const bodies = await Promise.all(pieces.map((piece) => protection.sealParts(type, version, piece)));
  return frame(protection, type, version, bodies);
}

/**
 * sealRecordParts() in the caller's turn, for a protection with a synchronous cipher (see
 * Protection.sealPartsSync): no promise per record or per call. Throws what sealRecordParts() rejects with.
 */
export function sealRecordPartsSync(protection: Protection & Required<Pick<Protection, 'sealPartsSync'>>, type: number, version: number, data: Uint8Array, opts: SealOptions = {}): Uint8Array[] {
  const pieces = splitForSealing(type, data, opts);
  return frame(protection, type, version, pieces.map((piece) => protection.sealPartsSync(type, version, piece)));
}

function splitForSealing(type: number, data: Uint8Array, opts: SealOptions): Uint8Array[] {
  const max = opts.maxFragment ?? MAX_PLAINTEXT;
  checkMaxFragment(max);
  return opts.splitFirstByte && data.length > 1 ? [data.subarray(0, 1), ...fragment(type, data.subarray(1), max)] : fragment(type, data, max);
}

/** Each record's header, then its body's parts. */
function frame(protection: Protection, type: number, version: number, bodies: Uint8Array[][]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const parts of bodies) {
    const header = new Uint8Array(RECORD_HEADER_LEN);
    let len = 0;
    for (const p of parts) len += p.length;
    writeHeader(header, 0, protection.outerType ?? type, version, len);
    out.push(header, ...parts);
  }
  return out;
}
