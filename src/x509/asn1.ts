/**
 * A thin layer over asn1js: parse strictly (no trailing bytes) and walk nodes by tag, so the certificate and CRL
 * parsers read like the ASN.1 modules of RFC 5280 and never let asn1js objects escape.
 */
import * as asn1js from 'asn1js';
import { TlsError } from '../errors.js';

export type Node = asn1js.AsnType;

export function malformed(what: string): TlsError {
  return new TlsError('cert_malformed', `malformed certificate data: ${what}`);
}

/**
 * Parse one DER element that must fill `der` exactly. `strict`: refuse every BER-only encoding first (X.690 §10:
 * definite minimal lengths, primitive strings, minimal INTEGERs, DER BOOLEANs, zero padding bits), so that what
 * was signed and what we read are the same bytes and a certificate has exactly one encoding (one fingerprint).
 */
export function parseDer(der: Uint8Array, what: string, strict = false): Node {
  if (strict) {
    const why = derProblem(der);
    if (why === TOO_MANY) throw new TlsError('cert_too_complex', `${what} has more than ${MAX_DER_ELEMENTS} ASN.1 elements`);
    if (why) throw malformed(`${what} is not DER: ${why}`);
  }
  const res = asn1js.fromBER(der);
  if (res.offset === -1 || res.result.error) throw malformed(`${what} (${res.result.error || 'bad encoding'})`);
  if (res.offset !== der.length) throw malformed(`${what} has trailing data`);
  return res.result;
}

interface IdBlock { tagClass: number; tagNumber: number; isConstructed: boolean }
function id(n: Node): IdBlock {
  return (n as unknown as { idBlock: IdBlock }).idBlock;
}

export const UNIVERSAL = 1;
export const CONTEXT = 3;

export function isTag(n: Node | undefined, cls: number, num: number): boolean {
  if (!n) return false;
  const b = id(n);
  return b.tagClass === cls && b.tagNumber === num;
}

export function tagNumber(n: Node): number {
  return id(n).tagNumber;
}
export function tagClass(n: Node): number {
  return id(n).tagClass;
}

/** Children of a constructed node (SEQUENCE, SET, constructed context tags). */
export function children(n: Node, what: string): Node[] {
  const v = (n as unknown as { valueBlock: { value?: unknown } }).valueBlock.value;
  if (!id(n).isConstructed || !Array.isArray(v)) throw malformed(`${what} is not constructed`);
  return v as Node[];
}

export function seq(n: Node | undefined, what: string): Node[] {
  if (!n || !isTag(n, UNIVERSAL, 16)) throw malformed(`${what} is not a SEQUENCE`);
  return children(n, what);
}

/** Raw content octets of a primitive node (OCTET STRING, implicit [n] primitive, INTEGER...). */
export function contentBytes(n: Node): Uint8Array {
  const vb = (n as unknown as { valueBlock: { valueHexView?: Uint8Array } }).valueBlock;
  if (id(n).isConstructed || !vb.valueHexView) throw malformed('expected a primitive value');
  return new Uint8Array(vb.valueHexView);
}

/** The full encoding of a node exactly as it appeared in the input (never a re-encoding). */
export function encoded(n: Node): Uint8Array {
  const raw = (n as unknown as { valueBeforeDecodeView?: Uint8Array }).valueBeforeDecodeView;
  return raw && raw.length ? new Uint8Array(raw) : new Uint8Array(n.toBER(false));
}

const TOO_MANY = 'too many elements';

/** Universal types that DER requires to be primitive (X.690 §10.2: strings, INTEGER, OID, times...). */
const PRIMITIVE_ONLY = new Set([1, 2, 3, 4, 5, 6, 10, 12, 13, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 30]);
const MAX_DER_DEPTH = 64;
/**
 * Elements (TLVs) one certificate or extension may hold. Real certificates hold a few hundred at most (a thousand
 * SANs is ~2,000); the decoder costs ~0.1 ms per element, so this bounds a hostile certificate (thousands of name
 * constraints or SANs) to a fraction of a second before any decoding starts.
 */
export const MAX_DER_ELEMENTS = 2048;

/**
 * Why `b` is not a single, complete DER encoding (X.690 §10 and §8), or null when it is. Walks every TLV:
 * definite lengths in the minimal form, high tag numbers in the minimal form, constructed only where DER allows,
 * and the per-type rules for BOOLEAN, INTEGER, BIT STRING and NULL. Bounded by the input size and a nesting depth.
 */
export function derProblem(b: Uint8Array): string | null {
  let elements = 0;
  const walk = (start: number, end: number, depth: number): string | null => {
    if (depth > MAX_DER_DEPTH) return 'nested too deeply';
    let i = start;
    while (i < end) {
      if (++elements > MAX_DER_ELEMENTS) return TOO_MANY;
      const id = b[i++]!;
      const cls = id >> 6;
      const constructed = (id & 0x20) !== 0;
      let tag = id & 0x1f;
      if (tag === 0x1f) {
        if (i >= end) return 'truncated tag';
        if (b[i] === 0x80) return 'non-minimal tag number';
        tag = 0;
        let n = 0;
        for (;;) {
          if (i >= end || ++n > 4) return 'bad tag number';
          const x = b[i++]!;
          tag = tag * 128 + (x & 0x7f);
          if (!(x & 0x80)) break;
        }
        if (tag < 31) return 'non-minimal tag number';
      }
      if (i >= end) return 'truncated length';
      let len = b[i++]!;
      if (len === 0x80) return 'indefinite length';
      if (len > 0x80) {
        const n = len & 0x7f;
        if (n > 4 || i + n > end) return 'bad length';
        if (b[i] === 0) return 'non-minimal length';
        len = 0;
        for (let k = 0; k < n; k++) len = len * 256 + b[i++]!;
        if (len < 0x80) return 'non-minimal length';
      }
      if (i + len > end) return 'length beyond the data';
      const c0 = i;
      i += len;
      if (cls === 0) {
        if (constructed && PRIMITIVE_ONLY.has(tag)) return `constructed encoding of universal type ${tag}`;
        if (!constructed && (tag === 16 || tag === 17)) return 'primitive SEQUENCE/SET';
        if (tag === 0) return 'end-of-contents octets';
        if (tag === 1 && (len !== 1 || (b[c0] !== 0 && b[c0] !== 0xff))) return 'BOOLEAN not 00/FF';
        if (tag === 5 && len !== 0) return 'NULL with content';
        if ((tag === 2 || tag === 10) && len > 1 &&
          ((b[c0] === 0 && !(b[c0 + 1]! & 0x80)) || (b[c0] === 0xff && b[c0 + 1]! & 0x80))) return 'non-minimal INTEGER';
        if ((tag === 2 || tag === 10) && len === 0) return 'empty INTEGER';
        if (tag === 3) {
          if (len === 0) return 'empty BIT STRING';
          const unused = b[c0]!;
          if (unused > 7 || (len === 1 && unused !== 0)) return 'bad BIT STRING padding';
          if (unused && b[c0 + len - 1]! & ((1 << unused) - 1)) return 'BIT STRING padding bits not zero';
        }
      }
      if (constructed) {
        const why = walk(c0, i, depth + 1);
        if (why) return why;
      }
    }
    return null;
  };
  if (b.length === 0) return 'empty';
  return walk(0, b.length, 0);
}

export function oid(n: Node | undefined, what: string): string {
  if (!n || !(n instanceof asn1js.ObjectIdentifier)) throw malformed(`${what} is not an OBJECT IDENTIFIER`);
  return n.valueBlock.toString();
}

export function integerBytes(n: Node | undefined, what: string): Uint8Array {
  if (!n || !isTag(n, UNIVERSAL, 2)) throw malformed(`${what} is not an INTEGER`);
  const b = contentBytes(n);
  if (b.length === 0) throw malformed(`${what} is an empty INTEGER`);
  return b;
}

export function smallInt(n: Node | undefined, what: string): number {
  const b = integerBytes(n, what);
  if (b[0]! & 0x80 || b.length > 6) throw malformed(`${what} is out of range`);
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
}

export function bool(n: Node | undefined, what: string): boolean {
  if (!n || !(n instanceof asn1js.Boolean)) throw malformed(`${what} is not a BOOLEAN`);
  const b = contentBytes(n);
  if (b.length !== 1 || (b[0] !== 0 && b[0] !== 0xff)) throw malformed(`${what} is not a DER BOOLEAN`);
  return b[0] === 0xff;
}

/** BIT STRING as (bytes, unused bits). */
export function bitString(n: Node | undefined, what: string): { bytes: Uint8Array; unused: number } {
  if (!n || !isTag(n, UNIVERSAL, 3)) throw malformed(`${what} is not a BIT STRING`);
  const raw = contentBytes(n);
  const vb = (n as unknown as { valueBlock: { unusedBits: number } }).valueBlock;
  return { bytes: raw, unused: vb.unusedBits };
}

export function octets(n: Node | undefined, what: string): Uint8Array {
  if (!n || !isTag(n, UNIVERSAL, 4)) throw malformed(`${what} is not an OCTET STRING`);
  return contentBytes(n);
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A directory string or IA5String as text; unknown string types as hex (like OpenSSL's #-form). */
export function stringValue(n: Node): string {
  const t = tagNumber(n);
  if (tagClass(n) !== UNIVERSAL) return hex(encoded(n));
  const b = id(n).isConstructed ? encoded(n) : contentBytes(n);
  switch (t) {
    case 12: // UTF8String
      try {
        return utf8.decode(b);
      } catch {
        throw malformed('invalid UTF8String');
      }
    case 19: case 22: case 20: case 26: // Printable, IA5, Teletex (as latin1), Visible
      return latin1.decode(b);
    case 30: { // BMPString
      let s = '';
      for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    case 28: { // UniversalString
      let s = '';
      for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);
      return s;
    }
    default:
      return '#' + hex(encoded(n));
  }
}

/** UTCTime / GeneralizedTime to Date, strictly in the RFC 5280 forms (Z, seconds present). */
export function time(n: Node | undefined, what: string): Date {
  if (!n) throw malformed(`${what} missing`);
  const s = latin1.decode(contentBytes(n));
  let m: RegExpExecArray | null;
  if (isTag(n, UNIVERSAL, 23) && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    const yy = Number(m[1]);
    return utc(yy < 50 ? 2000 + yy : 1900 + yy, m.slice(2).map(Number));
  }
  if (isTag(n, UNIVERSAL, 24) && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s))) {
    return utc(Number(m[1]), m.slice(2).map(Number));
  }
  throw malformed(`${what} is not a valid UTCTime/GeneralizedTime`);
}

function utc(year: number, [mo, d, h, mi, s]: number[]): Date {
  const date = new Date(Date.UTC(year, mo! - 1, d!, h!, mi!, s!));
  if (date.getUTCMonth() !== mo! - 1 || date.getUTCDate() !== d! || h! > 23 || mi! > 59 || s! > 59) throw malformed('invalid date');
  return date;
}

import { toHex as hex, equalBytes as bytesEqual } from '../bytes.js';
export { hex, bytesEqual };
