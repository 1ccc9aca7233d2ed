/**
 * TLS 1.3 post-handshake client authentication (RFC 8446 §4.6.2) between our own client and server engines over
 * memory, and the hostile cases of both roles: a CertificateRequest the client never allowed, an empty or repeated
 * context, a Certificate with another context, a bad CertificateVerify or Finished, no certificate where one is
 * required, a Certificate nobody asked for. The hostile side is the real code with one step bent (scripted.ts).
 */
import { describe, it, expect } from 'vitest';
import { duel, defaultClient, defaultServer, code, pki, type Script, type Duel } from './scripted.js';
import { HandshakeType as HT, encodeHandshake } from '../../src/handshake/framer.js';
import * as M13 from '../../src/handshake/messages13.js';
import * as X from '../../src/handshake/extensions.js';
import { ExtensionType as ET } from '../../src/handshake/extensions.js';
import { TLS13 } from '../../src/crypto/suites.js';
import type { ClientCertificateAnswer } from '../../src/handshake/io.js';

const client13 = (o: Parameters<typeof defaultClient>[0] = {}) => defaultClient({ maxVersion: 'TLSv1.3', ...o });
/** A server that authenticates nobody in the handshake but may ask later: requestCert 'none', a client CA. */
const server13 = (o: Parameters<typeof defaultServer>[0] = {}) => defaultServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ca: pki.ca, ...o });

/** A handshake message sealed as the engine seals its own (TLS 1.3: inside application_data), outside any flow. */
function inject(e: Duel['client'], type: number, body: Uint8Array): Promise<void> {
  return (e as unknown as { write(t: number, d: Uint8Array): Promise<void> }).write(22, encodeHandshake(type, body));
}

/** A handshake, then a post-handshake request from the server, pumped to the end. */
async function request(d: Duel, required = true): Promise<PromiseSettledResult<ClientCertificateAnswer>> {
  await d.pump();
  expect(d.client.error).toBeNull();
  expect(d.server.error).toBeNull();
  expect((await d.server.handshake).version).toBe(TLS13);
  const { answer } = await d.server.requestClientCertificate({ required });
  await d.pump(false);
  const [r] = await Promise.allSettled([answer]);
  return r!;
}

/** Alters only the messages the client sends after the handshake (the answer to a CertificateRequest). */
function afterHandshake(d: () => Duel | undefined, edit: (type: number, body: Uint8Array) => Uint8Array | false | undefined): Script {
  return (s) => {
    const e = d();
    if (!e || e.client.state !== 'open' || s.kind !== 'msg') return;
    return edit(s.type, s.body);
  };
}

async function scriptedDuel(edit: (type: number, body: Uint8Array) => Uint8Array | false | undefined, client = client13({ withClientCert: true })): Promise<Duel> {
  let d: Duel | undefined;
  d = await duel({ client, server: server13(), clientScript: afterHandshake(() => d, edit) });
  return d;
}

describe('TLS 1.3 post-handshake client authentication (engines over memory)', () => {
  it('the client with a certificate offers post_handshake_auth; the server asks, gets and verifies the chain', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    expect((await (async () => (await d.pump(), d.server.handshake))()).peerChain).toHaveLength(0);
    const r = await request(d);
    expect(r.status).toBe('fulfilled');
    const a = (r as PromiseFulfilledResult<ClientCertificateAnswer>).value;
    expect(a.peerChain.length).toBeGreaterThan(0);
    expect(a.verification).toEqual({ ok: true });
    // The connection goes on: a second request (a fresh context) works too.
    const { answer } = await d.server.requestClientCertificate({ required: true });
    await d.pump(false);
    expect((await answer).verification).toEqual({ ok: true });
    expect(d.client.error).toBeNull();
    expect(d.server.error).toBeNull();
  });

  it('after KeyUpdates both ways, the Finished key follows client_application_traffic_secret_N', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    await d.client.updateKeys(true);
    await d.pump(false);
    await d.server.updateKeys(true);
    await d.pump(false);
    const { answer } = await d.server.requestClientCertificate({ required: true });
    await d.pump(false);
    expect((await answer).verification).toEqual({ ok: true });
  });

  it('a client without a certificate does not offer it, and the server refuses to ask (config_invalid, connection intact)', async () => {
    const d = await duel({ client: client13(), server: server13() });
    await d.pump();
    await expect(d.server.requestClientCertificate({ required: true })).rejects.toMatchObject({ code: 'config_invalid' });
    expect(d.server.state).toBe('open');
    expect(d.server.takeOutgoing()).toBeNull();
  });

  it('postHandshakeAuth: false keeps the extension out even with a certificate', async () => {
    const d = await duel({ client: { ...client13({ withClientCert: true }), postHandshakeAuth: false }, server: server13() });
    await d.pump();
    await expect(d.server.requestClientCertificate({ required: true })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('a server without a client CA refuses to ask (config_invalid)', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: defaultServer({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }) });
    await d.pump();
    await expect(d.server.requestClientCertificate({ required: true })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('on a TLS 1.2 connection the request is refused (config_invalid), nothing sent', async () => {
    const d = await duel({ client: defaultClient({ withClientCert: true }), server: server13() });
    await d.pump();
    expect((await d.server.handshake).version).toBe(0x0303);
    await expect(d.server.requestClientCertificate({ required: true })).rejects.toMatchObject({ code: 'config_invalid' });
    expect(d.server.state).toBe('open');
    expect(d.server.takeOutgoing()).toBeNull();
  });

  it('a second request while one waits for its answer is refused (config_invalid)', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    const first = await d.server.requestClientCertificate({ required: true });
    await expect(d.server.requestClientCertificate({ required: true })).rejects.toMatchObject({ code: 'config_invalid' });
    await d.pump(false);
    expect((await first.answer).verification).toEqual({ ok: true });
  });

  it('a CertificateRequest to a client that did not offer post_handshake_auth: unexpected_message', async () => {
    const d = await duel({ client: client13(), server: server13() });
    await d.pump();
    const body = M13.encodeCertificateRequest13({ context: new Uint8Array([1, 2, 3]), extensions: [{ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms([0x0804]) }] });
    await inject(d.server, HT.certificate_request, body);
    await d.pump(false);
    expect(code(d.client)).toBe('protocol_unexpected_message');
    expect(d.plainAlerts.client).toEqual([]); // the alert went out protected
  });

  it('a post-handshake CertificateRequest with an empty context: illegal_parameter', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    const body = M13.encodeCertificateRequest13({ context: new Uint8Array(0), extensions: [{ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms([0x0804]) }] });
    await inject(d.server, HT.certificate_request, body);
    await d.pump(false);
    expect(code(d.client)).toBe('protocol_illegal_parameter');
  });

  it('a second CertificateRequest repeating the context of the first: illegal_parameter', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    const body = M13.encodeCertificateRequest13({ context: new Uint8Array([9, 9]), extensions: [{ type: ET.signature_algorithms, data: X.encodeSignatureAlgorithms([0x0804]) }] });
    await inject(d.server, HT.certificate_request, body);
    await inject(d.server, HT.certificate_request, body);
    await d.pump(false);
    expect(code(d.client)).toBe('protocol_illegal_parameter');
  });

  it('a post-handshake CertificateRequest without signature_algorithms: missing_extension', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    await inject(d.server, HT.certificate_request, M13.encodeCertificateRequest13({ context: new Uint8Array([7]), extensions: [] }));
    await d.pump(false);
    expect(code(d.client)).toBe('protocol_missing_extension');
  });

  it("the client's Certificate with another context: illegal_parameter, the request rejects", async () => {
    const d = await scriptedDuel((type, body) => {
      if (type !== HT.certificate) return;
      const c = M13.decodeCertificate13(body);
      const context = c.context.slice();
      context[0]! ^= 1;
      return M13.encodeCertificate13({ ...c, context });
    });
    const r = await request(d);
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'protocol_illegal_parameter' } });
    expect(code(d.server)).toBe('protocol_illegal_parameter');
  });

  it('a post-handshake chain of more than maxCertificates (16): limit_chain, as in the handshake', async () => {
    const d = await scriptedDuel((type, body) => {
      if (type !== HT.certificate) return;
      const c = M13.decodeCertificate13(body);
      return M13.encodeCertificate13({ ...c, entries: Array.from({ length: 17 }, (_, i) => c.entries[Math.min(i, c.entries.length - 1)]!) });
    });
    const r = await request(d);
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'limit_chain' } });
  });

  it('a CertificateVerify with one bit changed: decrypt_error (crypto_bad_signature)', async () => {
    const d = await scriptedDuel((type, body) => {
      if (type !== HT.certificate_verify) return;
      const b = body.slice();
      b[b.length - 1]! ^= 1;
      return b;
    });
    const r = await request(d);
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'crypto_bad_signature' } });
    expect(d.client.error?.code).toBe('peer_alert_decrypt_error');
  });

  it('a Finished with one bit changed: decrypt_error (crypto_bad_finished)', async () => {
    const d = await scriptedDuel((type, body) => {
      if (type !== HT.finished) return;
      const b = body.slice();
      b[0]! ^= 1;
      return b;
    });
    const r = await request(d);
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'crypto_bad_finished' } });
  });

  it('the CertificateVerify skipped: unexpected_message', async () => {
    const d = await scriptedDuel((type) => (type === HT.certificate_verify ? false : undefined));
    const r = await request(d);
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'protocol_unexpected_message' } });
  });

  it('an empty Certificate where one is required: certificate_required (116)', async () => {
    const d = await scriptedDuel((type, body) => {
      if (type === HT.certificate_verify) return false;
      if (type !== HT.certificate) return;
      return M13.encodeCertificate13({ context: M13.decodeCertificate13(body).context, entries: [] });
    });
    const r = await request(d);
    expect(r).toMatchObject({ status: 'rejected', reason: { code: 'cert_no_certificate', alert: 116 } });
    expect(d.client.error?.code).toBe('peer_alert_certificate_required');
  });

  it('a client whose key the server cannot take answers with an empty Certificate; not required: resolves empty, connection open', async () => {
    // The server takes only ECDSA signatures; the client has an RSA certificate.
    let d: Duel | undefined;
    d = await duel({ client: client13({ withClientCert: true }), server: { ...server13({ ecdsa: true }), signatureSchemes: [0x0403] } });
    const r = await request(d, false);
    expect(r).toMatchObject({ status: 'fulfilled', value: { peerChain: [] } });
    expect(d.server.state).toBe('open');
    expect(d.client.state).toBe('open');
  });

  it('a Certificate from the client nobody asked for: unexpected_message', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    await inject(d.client, HT.certificate, M13.encodeCertificate13({ context: new Uint8Array([1]), entries: [] }));
    await d.pump(false);
    expect(code(d.server)).toBe('protocol_unexpected_message');
  });

  it('the client closing before it answers rejects the request (io_closed), no hang', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    await d.client.close();
    const { answer } = await d.server.requestClientCertificate({ required: true }).catch(() => ({ answer: Promise.reject(new Error('refused')) }));
    answer.catch(() => {});
    await d.pump(false);
    await expect(answer).rejects.toMatchObject({ code: 'io_closed' });
  });

  it('the transport ending (no close_notify) before the answer rejects the request (io_truncated), no hang', async () => {
    const d = await duel({ client: client13({ withClientCert: true }), server: server13() });
    await d.pump();
    const { answer } = await d.server.requestClientCertificate({ required: true });
    d.server.receiveEof();
    await expect(answer).rejects.toMatchObject({ code: 'io_truncated' });
  });
});
