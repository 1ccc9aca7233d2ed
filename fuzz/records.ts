/** Cutting a flight (the bytes one takeOutgoing() returned) into records and handshake messages, and back. */

export interface Rec {
  type: number;
  version: number;
  body: Uint8Array;
}

/** Whole records, plus whatever trailing bytes do not form one (kept so nothing is lost when re-encoding). */
export function parseRecords(bytes: Uint8Array): { records: Rec[]; rest: Uint8Array } {
  const records: Rec[] = [];
  let off = 0;
  while (bytes.length - off >= 5) {
    const len = (bytes[off + 3]! << 8) | bytes[off + 4]!;
    if (bytes.length - off - 5 < len) break;
    records.push({ type: bytes[off]!, version: (bytes[off + 1]! << 8) | bytes[off + 2]!, body: bytes.slice(off + 5, off + 5 + len) });
    off += 5 + len;
  }
  return { records, rest: bytes.slice(off) };
}

export function encodeRecords(records: readonly Rec[], rest: Uint8Array = new Uint8Array(0)): Uint8Array {
  let n = rest.length;
  for (const r of records) n += 5 + r.body.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const r of records) {
    out[o] = r.type;
    out[o + 1] = r.version >> 8;
    out[o + 2] = r.version & 0xff;
    // Bodies over 64 KiB cannot be framed; the mutators never make them.
    out[o + 3] = (r.body.length >> 8) & 0xff;
    out[o + 4] = r.body.length & 0xff;
    out.set(r.body, o + 5);
    o += 5 + r.body.length;
  }
  out.set(rest, o);
  return out;
}

export interface Msg {
  type: number;
  body: Uint8Array;
}

/** Handshake messages in one plaintext record body, or null when it does not split exactly (encrypted, or partial). */
export function parseMessages(body: Uint8Array): Msg[] | null {
  const out: Msg[] = [];
  let off = 0;
  while (off < body.length) {
    if (body.length - off < 4) return null;
    const len = (body[off + 1]! << 16) | (body[off + 2]! << 8) | body[off + 3]!;
    if (body.length - off - 4 < len) return null;
    out.push({ type: body[off]!, body: body.slice(off + 4, off + 4 + len) });
    off += 4 + len;
  }
  return out.length ? out : null;
}

export function encodeMessages(msgs: readonly Msg[]): Uint8Array {
  let n = 0;
  for (const m of msgs) n += 4 + m.body.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const m of msgs) {
    out[o] = m.type;
    out[o + 1] = (m.body.length >> 16) & 0xff;
    out[o + 2] = (m.body.length >> 8) & 0xff;
    out[o + 3] = m.body.length & 0xff;
    out.set(m.body, o + 4);
    o += 4 + m.body.length;
  }
  return out;
}
