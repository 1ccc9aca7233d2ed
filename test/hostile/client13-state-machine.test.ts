/**
 * The TLS 1.3 client's state machine under a hostile server (RFC 8446 §4): each test bends one step of an otherwise
 * genuine handshake (test/hostile/server13.ts) and checks the client fails with the stable code and alert the RFC
 * asks for, and never reaches 'open'.
 */
import { describe, expect, it } from 'vitest';
import { clientVsScripted13 } from './server13.js';
import { HandshakeType as HT } from '../../src/handshake/framer.js';
import { GROUPS } from '../../src/crypto/kex.js';
import type { Engine } from '../../src/engine.js';
import type { HandshakeResult } from '../../src/handshake/io.js';
import type { Protection } from '../../src/record/protection.js';
import { encodeRecord } from '../../src/record/writer.js';

describe('TLS 1.3 client against a hostile server', () => {
  it('the scripted server, unbent, completes a handshake (so each failure below has only its own cause)', async () => {
    const { client } = await clientVsScripted13({});
    expect(client.state).toBe('open');
    expect((await client.handshake).version).toBe(0x0304);
  });

  it('a HelloRetryRequest then a handshake completes (the client switches group, message_hash in the transcript)', async () => {
    const { client } = await clientVsScripted13({ hrrGroup: GROUPS.secp256r1 });
    expect(client.state).toBe('open');
    expect((await client.handshake).group).toBe('secp256r1');
  });

  it('missing CertificateVerify: unexpected_message', async () => {
    const { client } = await clientVsScripted13({ drop: [HT.certificate_verify] });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_unexpected_message');
  });

  it('Finished before Certificate: unexpected_message', async () => {
    const { client } = await clientVsScripted13({ finishedFirst: true });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_unexpected_message');
  });

  it('no Certificate at all: unexpected_message (a 1.3 server always authenticates without a PSK)', async () => {
    const { client } = await clientVsScripted13({ drop: [HT.certificate, HT.certificate_verify] });
    expect(client.error?.code).toBe('protocol_unexpected_message');
  });

  it('a second HelloRetryRequest: unexpected_message (RFC 8446 §4.1.4)', async () => {
    const { client } = await clientVsScripted13({ hrrGroup: GROUPS.secp256r1, secondHrr: true });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_unexpected_message');
  });

  it('a HelloRetryRequest for a group the client already sent a share for: illegal_parameter', async () => {
    const { client } = await clientVsScripted13({ hrrGroup: GROUPS.x25519 });
    expect(client.error?.code).toBe('protocol_illegal_parameter');
  });

  it('a HelloRetryRequest for a group the client did not offer: illegal_parameter', async () => {
    // x448 is not among the default groups the client offers.
    const { client } = await clientVsScripted13({ hrrGroup: GROUPS.x448 });
    expect(client.error?.code).toBe('protocol_illegal_parameter');
  });

  it('a ServerHello key_share for a group the client sent no share for: illegal_parameter', async () => {
    const { client } = await clientVsScripted13({ shareGroup: GROUPS.secp384r1 });
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('protocol_illegal_parameter');
  });

  it('a TLS 1.2 ServerHello carrying the 1.3 downgrade sentinel, when 1.3 was offered: refused', async () => {
    const { client } = await clientVsScripted13({ downgradeTo12: true });
    expect(client.error?.code).toBe('protocol_downgrade');
  });
});

/** Queue one raw record on an engine's wire (reaching into it, as scripted.ts does): sealed under its keys or not. */
async function inject(e: Engine<HandshakeResult>, type: number, data: Uint8Array, sealed: boolean): Promise<void> {
  const i = e as unknown as { writeProt: Protection; out: Uint8Array[] };
  const body = sealed ? await i.writeProt.seal(type, 0x0303, data) : data;
  i.out.push(encodeRecord(sealed ? (i.writeProt.outerType ?? type) : type, 0x0303, body));
}

async function deliver(from: Engine<HandshakeResult>, to: Engine<HandshakeResult>): Promise<void> {
  const out = from.takeOutgoing();
  if (out) await to.receive(out).catch(() => {});
}

describe('TLS 1.3 record and alert rules after the handshake (RFC 8446 §5, §6)', () => {
  it('a ChangeCipherSpec after the handshake is unexpected_message (tolerated only during it)', async () => {
    const { client, server } = await clientVsScripted13({});
    expect(client.state).toBe('open');
    await inject(server, 20, Uint8Array.of(1), false);
    await deliver(server, client);
    expect(client.error?.code).toBe('protocol_unexpected_message');
  });

  it('a warning-level alert other than close_notify/user_canceled ends a 1.3 connection', async () => {
    const { client, server } = await clientVsScripted13({});
    expect(client.state).toBe('open');
    await inject(server, 21, Uint8Array.of(1, 42), true); // warning bad_certificate
    await deliver(server, client);
    expect(client.state).toBe('failed');
    expect(client.error?.code).toBe('peer_alert_bad_certificate');
  });

  it('an unprotected alert after the keys changed is unexpected_message', async () => {
    const { client, server } = await clientVsScripted13({});
    await inject(server, 21, Uint8Array.of(2, 40), false);
    await deliver(server, client);
    expect(client.error?.code).toBe('protocol_unexpected_message');
  });

  it('application data still flows after the checks above pass (the injector itself is sound)', async () => {
    const { client, server } = await clientVsScripted13({});
    await inject(server, 23, new TextEncoder().encode('hello'), true);
    await deliver(server, client);
    expect(client.state).toBe('open');
    expect(new TextDecoder().decode(client.takeReceived()!)).toBe('hello');
  });
});
