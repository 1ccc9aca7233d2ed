/**
 * Server conformance points an outside suite found (issue 15), each through accept() over an in-memory transport
 * with hand-made client records: records handled strictly in order, OpenSSL's ClientHello size limit, a ticket
 * with an empty session id (RFC 5077 §3.4), no server_name when resuming (RFC 6066 §3), ec_point_formats without
 * uncompressed (RFC 8422 §5.1.2), HelloRequest from a client, and FFDHE without overlap (RFC 7919 §4).
 */
import { describe, it, expect } from 'vitest';
import { accept, createServerContext, type ServerContext } from '../../src/server.js';
import { connect } from '../../src/client.js';
import { memoryPair } from '../../src/transport/memory.js';
import { encodeHandshake, HandshakeType as HT, MAX_CLIENT_HELLO } from '../../src/handshake/framer.js';
import * as M from '../../src/handshake/messages.js';
import * as X from '../../src/handshake/extensions.js';
import { ExtensionType as ET, type Extension } from '../../src/handshake/extensions.js';
import { AlertDescription as AD } from '../../src/errors.js';
import { base64Decode } from '../../src/pem.js';
import { exchange, rsaServer } from '../loopback/harness.js';
import { pki } from '../helpers/pki.js';
import { BASE_EXTENSIONS, clientHello12, record } from '../helpers/records.js';

const GCM = 0xc02f; // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
const RSA_GCM = 0x009c; // TLS_RSA_WITH_AES_128_GCM_SHA256
const DHE_GCM = 0x009e; // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
const SCSV = 0x00ff;

const baseExt = BASE_EXTENSIONS;
const clientHello = (o: Partial<M.ClientHello> = {}) => clientHello12({ cipherSuites: [GCM], ...o });

/** A handshake message in as many records as it needs. */
function hsRecords(type: number, body: Uint8Array, version = 0x0301): Uint8Array {
  const msg = encodeHandshake(type, body);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < msg.length; at += 16384) parts.push(record(22, msg.subarray(at, at + 16384), version));
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}


interface Rec {
  type: number;
  body: Uint8Array;
}

/**
 * Write `bytes` (one write: one read on the server's side) to accept() and collect what it sends until it ends the
 * transport (a failure) or the records so far satisfy `enough` (a flight that waits for the client); the accept()
 * outcome code. A 10 s guard keeps a silent server from hanging the test.
 */
async function talk(ctx: ServerContext, bytes: Uint8Array, enough: (r: Rec[]) => boolean = () => false): Promise<{ records: Rec[]; code: string | undefined }> {
  const [a, b] = memoryPair();
  const server = accept({ context: ctx, transport: b });
  const outcome = server.then(
    () => undefined,
    (e: { code?: string }) => e.code ?? 'unknown',
  );
  const w = a.writable.getWriter();
  await w.write(bytes);
  const reader = a.readable.getReader();
  const chunks: number[] = [];
  let records: Rec[] = [];
  const guard = new Promise<null>((res) => setTimeout(() => res(null), 10_000));
  for (;;) {
    const r = await Promise.race([reader.read(), guard]);
    if (!r || r.done) break;
    chunks.push(...r.value);
    records = parseRecords(Uint8Array.from(chunks));
    if (enough(records)) break;
  }
  reader.releaseLock();
  const code = await Promise.race([outcome, new Promise<string>((res) => setTimeout(() => res('still handshaking'), 50))]);
  return { records, code };
}

function parseRecords(buf: Uint8Array): Rec[] {
  const records: Rec[] = [];
  for (let at = 0; at + 5 <= buf.length; ) {
    const len = (buf[at + 3]! << 8) | buf[at + 4]!;
    if (at + 5 + len > buf.length) break;
    records.push({ type: buf[at]!, body: buf.subarray(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return records;
}

const flightDone = (r: Rec[]) => plainHandshakeTypes(r).includes(HT.server_hello_done);
/** The resumed flight: ServerHello [NewSessionTicket], ChangeCipherSpec and the encrypted Finished. */
const resumedFlightDone = (r: Rec[]) => r.findIndex((x) => x.type === 20) >= 0 && r.findIndex((x) => x.type === 20) < r.length - 1;

/** Handshake message types in the plaintext handshake records. */
function plainHandshakeTypes(records: Rec[]): number[] {
  const out: number[] = [];
  for (const r of records) {
    if (r.type === 20) break; // encrypted from here
    if (r.type !== 22) continue;
    for (let at = 0; at + 4 <= r.body.length; at += 4 + ((r.body[at + 1]! << 16) | (r.body[at + 2]! << 8) | r.body[at + 3]!)) out.push(r.body[at]!);
  }
  return out;
}

const lastAlert = (records: Rec[]) => {
  const a = records.filter((r) => r.type === 21).at(-1);
  return a ? a.body[1] : undefined;
};

const context = (o = {}) => createServerContext({ ...rsaServer, ...o });

describe('records strictly in order', () => {
  it('a ClientHello and a heartbeat record in one read: the ServerHello flight first, then the alert', async () => {
    const heartbeat = record(24, Uint8Array.of(1, 0, 16, ...new Uint8Array(16)));
    const { records, code } = await talk(context(), Uint8Array.from([...hsRecords(HT.client_hello, clientHello()), ...heartbeat]));
    expect(plainHandshakeTypes(records)).toEqual([HT.server_hello, HT.certificate, HT.server_key_exchange, HT.server_hello_done]);
    expect(code).toBe('decode_bad_content_type');
    expect(lastAlert(records)).toBe(AD.unexpected_message);
  });
});

describe('ClientHello size', () => {
  it("a valid 65 KiB ClientHello (16,383 empty extensions) is answered, as OpenSSL does", async () => {
    const ext: Extension[] = [];
    for (let i = 0; i < 16383; i++) ext.push({ type: 40000 + i, data: new Uint8Array(0) });
    const body = clientHello({ cipherSuites: [RSA_GCM, SCSV], extensions: ext });
    expect(body.length).toBeGreaterThan(65536);
    expect(body.length).toBeLessThanOrEqual(MAX_CLIENT_HELLO);
    const { records } = await talk(context(), hsRecords(HT.client_hello, body), flightDone);
    expect(plainHandshakeTypes(records)).toEqual([HT.server_hello, HT.certificate, HT.server_hello_done]);
  });
  it('over 131,396 bytes is refused as soon as the header says so', async () => {
    const header = Uint8Array.of(HT.client_hello, 0x02, 0x01, 0x45); // 131,397
    const { records, code } = await talk(context(), record(22, header));
    expect(code).toBe('decode_message_too_large');
    expect(lastAlert(records)).toBe(AD.decode_error);
  });
});

describe('resumption answers', () => {
  async function ticketSession(ctx: ServerContext) {
    const [a, b] = memoryPair();
    // TLS 1.2: these are RFC 5077 / session-id answers (TLS 1.3 resumption is issue 20's).
    const [client, server] = await Promise.all([
      connect({ transport: a, ca: pki.ca, serverName: 'localhost', maxVersion: 'TLSv1.2' }),
      accept({ context: ctx, transport: b }),
    ]);
    const session = client.session!;
    await exchange(client, server);
    return session;
  }
  const resumeHello = (session: { ticket?: string; cipherSuite: number }, sessionId: Uint8Array) =>
    clientHello({
      sessionId,
      cipherSuites: [session.cipherSuite],
      extensions: [
        ...baseExt,
        { type: ET.server_name, data: X.encodeServerName('localhost') },
        { type: ET.extended_master_secret, data: new Uint8Array(0) },
        { type: ET.session_ticket, data: X.encodeSessionTicket(base64Decode(session.ticket!)) },
      ],
    });
  const serverHelloOf = (records: Rec[]) => {
    const r = records.find((x) => x.type === 22)!;
    expect(r.body[0]).toBe(HT.server_hello);
    const len = (r.body[1]! << 16) | (r.body[2]! << 8) | r.body[3]!;
    return M.decodeServerHello(r.body.subarray(4, 4 + len));
  };

  it('a ticket with an empty session id is resumed with a renewed ticket: NewSessionTicket and CCS right after ServerHello (RFC 5077 §3.4)', async () => {
    const ctx = context({ sessionCacheSize: 0 });
    const session = await ticketSession(ctx);
    const { records } = await talk(ctx, hsRecords(HT.client_hello, resumeHello(session, new Uint8Array(0))), resumedFlightDone);
    expect(plainHandshakeTypes(records)).toEqual([HT.server_hello, HT.new_session_ticket]);
    expect(records.some((r) => r.type === 20)).toBe(true);
    const sh = serverHelloOf(records);
    expect(sh.sessionId).toHaveLength(0);
    // RFC 6066 §3: a resuming server does not send server_name.
    expect((sh.extensions ?? []).map((e) => e.type)).not.toContain(ET.server_name);
    expect((sh.extensions ?? []).map((e) => e.type)).toContain(ET.session_ticket);
  });

  it('with a session id, the id is echoed and server_name is not sent', async () => {
    const ctx = context({ sessionCacheSize: 0 });
    const session = await ticketSession(ctx);
    const sid = new Uint8Array(32).fill(9);
    const { records } = await talk(ctx, hsRecords(HT.client_hello, resumeHello(session, sid)), resumedFlightDone);
    const sh = serverHelloOf(records);
    expect(sh.sessionId).toEqual(sid);
    expect((sh.extensions ?? []).map((e) => e.type)).not.toContain(ET.server_name);
  });
});

describe('alerts the RFCs name', () => {
  it('ec_point_formats without uncompressed: illegal_parameter (RFC 8422 §5.1.2)', async () => {
    const ext = baseExt.map((e) => (e.type === ET.ec_point_formats ? { type: e.type, data: X.encodeEcPointFormats([1, 2]) } : e));
    const { records, code } = await talk(context(), hsRecords(HT.client_hello, clientHello({ extensions: ext })));
    expect(code).toBe('protocol_illegal_parameter');
    expect(lastAlert(records)).toBe(AD.illegal_parameter);
  });

  it('HelloRequest from a client: unexpected_message, not silence', async () => {
    const { records, code } = await talk(context(), hsRecords(HT.hello_request, new Uint8Array(0)));
    expect(code).toBe('protocol_unexpected_message');
    expect(lastAlert(records)).toBe(AD.unexpected_message);
  });

  it('HelloRequest in the middle of a client flight is refused too', async () => {
    // After the ServerHello the records carry the negotiated version (TLS 1.2).
    const bytes = Uint8Array.from([...hsRecords(HT.client_hello, clientHello()), ...hsRecords(HT.hello_request, new Uint8Array(0), 0x0303)]);
    const { records, code } = await talk(context(), bytes);
    expect(plainHandshakeTypes(records)[0]).toBe(HT.server_hello);
    expect(code).toBe('protocol_unexpected_message');
  });

  it('FFDHE groups offered, none in common, only DHE suites: insufficient_security (RFC 7919 §4)', async () => {
    const ext = [{ type: ET.supported_groups, data: X.encodeSupportedGroups([0x01fc]) }, ...baseExt.slice(2)];
    const { records, code } = await talk(context(), hsRecords(HT.client_hello, clientHello({ cipherSuites: [DHE_GCM], extensions: ext })));
    expect(code).toBe('protocol_insufficient_security');
    expect(lastAlert(records)).toBe(AD.insufficient_security);
    // With a non-FFDHE suite to fall back on, that suite is chosen instead.
    const fallback = await talk(context(), hsRecords(HT.client_hello, clientHello({ cipherSuites: [DHE_GCM, RSA_GCM], extensions: ext })), flightDone);
    expect(plainHandshakeTypes(fallback.records)).toEqual([HT.server_hello, HT.certificate, HT.server_hello_done]);
  });
});
