/** PEM and the PemInput convention: text, bytes, or a file-like object with read(). */
import { TlsError } from './errors.js';

export type PemInput = string | Uint8Array | ArrayBuffer | { read(): string | Uint8Array };

export interface PemBlock {
  label: string;
  der: Uint8Array;
  headers: Record<string, string>;
}

/** Resolve a PemInput to text or bytes. */
export function readPemInput(input: PemInput): string | Uint8Array {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (input && typeof (input as { read?: unknown }).read === 'function') {
    const v = (input as { read(): string | Uint8Array }).read();
    if (typeof v === 'string' || v instanceof Uint8Array) return v;
    throw new TlsError('config_invalid', 'read() of a file-like PEM input must return a string or bytes');
  }
  throw new TlsError('config_invalid', 'expected PEM text, DER bytes, or a file-like object with read()');
}

/** Bytes that look like PEM text (start with optional whitespace/text and contain "-----BEGIN"). */
export function looksLikePem(b: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(b.subarray(0, Math.min(b.length, 65536)));
  return head.includes('-----BEGIN ');
}

export function base64Decode(s: string): Uint8Array {
  const clean = s.replace(/[\s]/g, '');
  // Padding only completes a 4-character group: atob would throw a DOMException for 'AB=' rather than our error.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1 || (clean.endsWith('=') && clean.length % 4 !== 0)) {
    throw new TlsError('config_invalid', 'PEM block contains invalid base64');
  }
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The base64 alphabet as ASCII codes. */
const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const ascii = new TextDecoder();

/**
 * Standard base64 with padding, written as ASCII bytes and decoded once: String.fromCharCode(...) and btoa took
 * ~40 µs for a certificate chain, which every client handshake encodes for its session (~3 µs this way).
 */
export function base64Encode(b: Uint8Array): string {
  const n = b.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out[o++] = B64[v >> 18]!;
    out[o++] = B64[(v >> 12) & 63]!;
    out[o++] = B64[(v >> 6) & 63]!;
    out[o++] = B64[v & 63]!;
  }
  if (i < n) {
    const v = (b[i]! << 16) | ((i + 1 < n ? b[i + 1]! : 0) << 8);
    out[o++] = B64[v >> 18]!;
    out[o++] = B64[(v >> 12) & 63]!;
    out[o++] = i + 1 < n ? B64[(v >> 6) & 63]! : 61;
    out[o++] = 61; // '='
  }
  return ascii.decode(out);
}

/**
 * All PEM blocks in a text, in order. Text between blocks (bundle comments, "Bag Attributes", CRLF line endings)
 * is ignored. Encapsulated headers (Proc-Type, DEK-Info) are returned in `headers`.
 */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n?([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const label = m[1]!;
    let body = m[2]!;
    const headers: Record<string, string> = {};
    if (/^[A-Za-z-]+:/m.test(body.split(/\r?\n\r?\n/)[0] ?? '') && /\r?\n\r?\n/.test(body)) {
      const [hdr, ...rest] = body.split(/\r?\n\r?\n/);
      for (const line of hdr!.split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      body = rest.join('\n');
    }
    out.push({ label, der: base64Decode(body), headers });
  }
  return out;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * DER blobs from PEM inputs (or DER bytes given directly). `labels` filters PEM blocks by label;
 * raw DER input is passed through as one blob.
 */
export function derBlobs(input: PemInput | PemInput[], labels?: string[]): { label: string | null; der: Uint8Array }[] {
  const list = Array.isArray(input) ? input : [input];
  const out: { label: string | null; der: Uint8Array }[] = [];
  for (const item of list) {
    const v = readPemInput(item);
    if (typeof v !== 'string' && !looksLikePem(v)) {
      out.push({ label: null, der: v });
      continue;
    }
    const text = typeof v === 'string' ? v : new TextDecoder('latin1').decode(v);
    for (const b of pemBlocks(text)) if (!labels || labels.includes(b.label)) out.push({ label: b.label, der: b.der });
  }
  return out;
}
