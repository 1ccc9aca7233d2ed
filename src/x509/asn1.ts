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

/** Parse one DER element that must fill `der` exactly. */
export function parseDer(der: Uint8Array, what: string): Node {
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

/** The full DER encoding of a node, as it appeared in the input. */
export function encoded(n: Node): Uint8Array {
  return new Uint8Array(n.toBER(false));
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
