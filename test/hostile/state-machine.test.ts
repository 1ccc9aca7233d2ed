/**
 * The handshake state machine against a scripted peer (SKIP-TLS / SMACK, Beurdouche et al. 2015; CVE-2014-0224):
 * every handshake message type, sent where it does not belong at every state of either side, gets a fatal
 * unexpected_message; skipped messages, early ChangeCipherSpec, Finished before ChangeCipherSpec, application
 * data before Finished and a second ServerHello all fail the same way; HelloRequest is ignored during a handshake
 * and answered with no_renegotiation after it.
 */
import { describe, it, expect } from 'vitest';
import { duel, code, defaultClient, defaultServer, rawWrite, pki, type Script, type Step } from './scripted.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import * as M from '../../src/handshake/messages.js';
import { AlertDescription as AD } from '../../src/errors.js';

const ALL_TYPES = [0, 1, 2, 4, 11, 12, 13, 14, 15, 16, 20, 22, 3, 24, 99, 254];

/** A body for an injected message of `type`: the type check comes first, so the content only has to exist. */
function bodyFor(type: number): Uint8Array {
  if (type === HT.finished) return new Uint8Array(12);
  if (type === HT.hello_request || type === HT.server_hello_done) return new Uint8Array(0);
  return Uint8Array.of(3, 3, 0, 1, 2, 3, 4, 5);
}

/** Insert a message of `type` just before the step at `at`. */
const insertBefore = (at: number, type: number): Script => async (_s, i, api) => {
  if (i === at) await api.send(type, bodyFor(type));
};
const dropStep = (pred: (s: Step) => boolean): Script => (s) => !pred(s);

interface Stage {
  /** The step of the sending side before which the message is injected. */
  at: number;
  name: string;
  /** Types the receiving side legitimately accepts here (injecting one of these is not out of order). */
  allowed: number[];
}

// Server steps in a full ECDHE handshake: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone, CCS, Finished.
const CLIENT_STAGES: Stage[] = [
  { at: 0, name: 'waiting for ServerHello', allowed: [HT.server_hello] },
  { at: 1, name: 'waiting for Certificate', allowed: [HT.certificate] },
  { at: 2, name: 'waiting for ServerKeyExchange', allowed: [HT.server_key_exchange] },
  { at: 3, name: 'waiting for ServerHelloDone', allowed: [HT.certificate_request, HT.server_hello_done] },
  { at: 4, name: 'waiting for ChangeCipherSpec', allowed: [] },
  { at: 5, name: 'waiting for Finished (encrypted)', allowed: [HT.finished] },
];
// Client steps with client authentication: ClientHello, Certificate, ClientKeyExchange, CertificateVerify, CCS, Finished.
const SERVER_STAGES: Stage[] = [
  { at: 1, name: 'waiting for Certificate', allowed: [HT.certificate] },
  { at: 2, name: 'waiting for ClientKeyExchange', allowed: [HT.client_key_exchange] },
  { at: 3, name: 'waiting for CertificateVerify', allowed: [HT.certificate_verify] },
  { at: 4, name: 'waiting for ChangeCipherSpec', allowed: [] },
  { at: 5, name: 'waiting for Finished (encrypted)', allowed: [HT.finished] },
];

const clientAuth = () => ({
  client: defaultClient({ withClientCert: true }),
  server: defaultServer({ requestCert: 'required', ca: pki.ca }),
});

describe('every message out of order at every state: unexpected_message', () => {
  for (const st of CLIENT_STAGES) {
    it(`client ${st.name}`, async () => {
      for (const t of ALL_TYPES) {
        if (st.allowed.includes(t) || t === HT.hello_request) continue;
        const d = await duel({ serverScript: insertBefore(st.at, t) });
        await d.pump();
        expect(code(d.client), `type ${t}`).toBe('protocol_unexpected_message');
        // Before ServerHello the client's alert carries record version 3.1 (it knows no other yet); the server,
        // already at 3.3, still reads an unencrypted alert, so it learns the real reason.
        expect(code(d.server), `type ${t}`).toBe('peer_alert_unexpected_message');
      }
    });
  }
  for (const st of SERVER_STAGES) {
    it(`server ${st.name}`, async () => {
      for (const t of ALL_TYPES) {
        if (st.allowed.includes(t) || t === HT.hello_request) continue;
        const d = await duel({ ...clientAuth(), clientScript: insertBefore(st.at, t) });
        await d.pump();
        expect(code(d.server), `type ${t}`).toBe('protocol_unexpected_message');
        expect(code(d.client), `type ${t}`).toBe('peer_alert_unexpected_message');
      }
    });
  }
  it('server waiting for ClientHello: any other first message', async () => {
    for (const t of ALL_TYPES) {
      if (t === HT.client_hello || t === HT.hello_request) continue;
      const d = await duel({
        clientScript: async (s, i, api) => {
          if (i === 0) {
            await api.send(t, bodyFor(t));
            return false;
          }
        },
      });
      await d.pump();
      expect(code(d.server), `type ${t}`).toBe('protocol_unexpected_message');
      expect(d.plainAlerts.server).toEqual([[2, AD.unexpected_message]]);
    }
  });
  it('after the handshake: every type but HelloRequest/ClientHello is unexpected', async () => {
    for (const t of ALL_TYPES) {
      if (t === HT.hello_request || t === HT.client_hello) continue;
      const d = await duel();
      await d.pump();
      expect(d.client.state).toBe('open');
      await rawWrite(d.server, 22, Uint8Array.of(t, 0, 0, 1, 0));
      await d.pump();
      expect(code(d.client), `type ${t}`).toBe('protocol_unexpected_message');
      expect(code(d.server), `type ${t}`).toBe('peer_alert_unexpected_message');
    }
  });
});

describe('SKIP-TLS and SMACK', () => {
  it('skipped ServerKeyExchange (ECDHE suite, server jumps to ServerHelloDone)', async () => {
    const d = await duel({ serverScript: dropStep((s) => s.kind === 'msg' && s.type === HT.server_key_exchange) });
    await d.pump();
    expect(code(d.client)).toBe('protocol_unexpected_message');
    expect(d.plainAlerts.client).toEqual([[2, AD.unexpected_message]]);
  });
  it('skipped server Certificate', async () => {
    const d = await duel({ serverScript: dropStep((s) => s.kind === 'msg' && s.type === HT.certificate) });
    await d.pump();
    expect(code(d.client)).toBe('protocol_unexpected_message');
  });
  it('skipped CertificateVerify (client sends a certificate, then never proves the key)', async () => {
    const d = await duel({ ...clientAuth(), clientScript: dropStep((s) => s.kind === 'msg' && s.type === HT.certificate_verify) });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
    expect(d.plainAlerts.server).toEqual([[2, AD.unexpected_message]]);
  });
  it('skipped client Certificate when one was requested', async () => {
    const d = await duel({ ...clientAuth(), clientScript: dropStep((s) => s.kind === 'msg' && s.type === HT.certificate) });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
  });
  it('early ChangeCipherSpec from the server, right after ServerHello (CVE-2014-0224)', async () => {
    const d = await duel({ serverScript: async (_s, i, api) => { if (i === 1) await api.ccs(); } });
    await d.pump();
    expect(code(d.client)).toBe('protocol_unexpected_message');
    expect(d.plainAlerts.client).toEqual([[2, AD.unexpected_message]]);
  });
  it('early ChangeCipherSpec from the client, before ClientKeyExchange (CVE-2014-0224)', async () => {
    const d = await duel({ clientScript: async (s, _i, api) => { if (s.kind === 'msg' && s.type === HT.client_key_exchange) await api.ccs(); } });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
    expect(d.plainAlerts.server).toEqual([[2, AD.unexpected_message]]);
  });
  it('Finished before ChangeCipherSpec (client omits CCS)', async () => {
    const d = await duel({ clientScript: dropStep((s) => s.kind === 'ccs') });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
  });
  it('Finished before ChangeCipherSpec (server omits CCS)', async () => {
    const d = await duel({ serverScript: dropStep((s) => s.kind === 'ccs') });
    await d.pump();
    expect(code(d.client)).toBe('protocol_unexpected_message');
  });
  it('application data before Finished, in plaintext before ChangeCipherSpec', async () => {
    const d = await duel({ serverScript: async (s, _i, api) => { if (s.kind === 'msg' && s.type === HT.certificate) await api.raw(23, Uint8Array.of(1, 2, 3)); } });
    await d.pump();
    expect(code(d.client)).toBe('protocol_unexpected_message');
  });
  it('application data before Finished, encrypted between ChangeCipherSpec and Finished', async () => {
    const d = await duel({ clientScript: async (s, _i, api) => { if (s.kind === 'msg' && s.type === HT.finished) await api.raw(23, new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')); } });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
    expect(code(d.client)).toBe('peer_alert_unexpected_message');
  });
  it('a second ServerHello', async () => {
    const d = await duel({ serverScript: async (s, _i, api) => { if (s.kind === 'msg' && s.type === HT.server_hello) await api.send(s.type, s.body); } });
    await d.pump();
    expect(code(d.client)).toBe('protocol_unexpected_message');
  });
  it('a second ClientHello', async () => {
    const d = await duel({ clientScript: async (s, _i, api) => { if (s.kind === 'msg' && s.type === HT.client_key_exchange) await api.send(HT.client_hello, bodyFor(HT.client_hello)); } });
    await d.pump();
    expect(code(d.server)).toBe('protocol_unexpected_message');
  });
  it('the unmodified script completes (the wrapper itself changes nothing)', async () => {
    const d = await duel({ ...clientAuth(), clientScript: () => {}, serverScript: () => {} });
    await d.pump();
    expect([d.client.state, d.server.state]).toEqual(['open', 'open']);
  });
});

describe('HelloRequest', () => {
  it('is ignored during the handshake (RFC 5246 §7.4.1.1) and kept out of the transcript', async () => {
    for (const at of [1, 2, 3, 5]) {
      const d = await duel({ serverScript: async (_s, i, api) => { if (i === at) await api.sendUntracked(HT.hello_request, new Uint8Array(0)); } });
      await d.pump();
      expect([d.client.state, d.server.state], `before step ${at}`).toEqual(['open', 'open']);
    }
  });
  it('after the handshake gets a no_renegotiation warning, and the connection stays open', async () => {
    const d = await duel();
    await d.pump();
    await rawWrite(d.server, 22, Uint8Array.of(HT.hello_request, 0, 0, 0));
    await d.pump(false);
    expect(d.client.state).toBe('open');
    expect(d.server.state).toBe('open');
    // The client's no_renegotiation warning is encrypted; the server took it as a warning (still open above).
    await d.client.send(new Uint8Array([1, 2, 3]));
    await d.pump(false);
    expect(d.server.takeReceived()).toEqual(Uint8Array.of(1, 2, 3));
  });
  it('a ClientHello after the handshake (renegotiation) is refused with no_renegotiation', async () => {
    const d = await duel();
    await d.pump();
    const hello = M.encodeClientHello({ version: 0x0303, random: new Uint8Array(32), sessionId: new Uint8Array(0), cipherSuites: [0xc02f], compressionMethods: [0], extensions: null });
    const raw = Uint8Array.of(HT.client_hello, 0, hello.length >> 8, hello.length & 0xff, ...hello);
    await rawWrite(d.client, 22, raw);
    await d.pump(false);
    expect(d.server.state).toBe('open');
  });
});
