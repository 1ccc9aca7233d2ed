/**
 * Resource limits, each configurable through `limits` (EngineLimits) or an option, each shown to hold:
 * record size, handshake message size, Certificate message size, chain length, consecutive empty records and
 * warning alerts, buffered application data (backpressure), and handshake duration (timeoutMs on both sides).
 */
import { describe, it, expect } from 'vitest';
import { duel, code, defaultClient, defaultServer, rawWrite, pki } from './scripted.js';
import { AlertDescription as AD } from '../../src/errors.js';
import { Deframer } from '../../src/record/deframer.js';
import { connect } from '../../src/client.js';
import { accept } from '../../src/server.js';
import { memoryPair } from '../../src/transport/memory.js';

describe('record and handshake message sizes', () => {
  it('records: over 2^14 + 2048 bytes is refused at the header (see attacks.test.ts for the alert)', () => {
    const d = new Deframer();
    expect(() => d.push(Uint8Array.of(23, 3, 3, 0x48, 0x01))).toThrow(expect.objectContaining({ code: 'decode_record_overflow' }));
  });
  it('records: a caller that never drains cannot make the deframer buffer without bound', () => {
    const d = new Deframer();
    const rec = new Uint8Array(5 + 16384);
    rec.set([23, 3, 3, 0x40, 0]);
    d.push(rec);
    d.push(rec.slice());
    expect(() => d.push(rec.slice())).toThrow(expect.objectContaining({ code: 'limit_buffer' }));
  });
  it('a handshake message declaring more than maxHandshakeMessage fails as soon as its header arrives', async () => {
    const d = await duel();
    d.client.takeOutgoing();
    // A ClientKeyExchange header declaring 16 MiB - 1, and nothing behind it.
    await d.server.receive(Uint8Array.of(22, 3, 1, 0, 4, 16, 0xff, 0xff, 0xff)).catch(() => {});
    expect(code(d.server)).toBe('decode_message_too_large');
    expect(d.server.takeOutgoing()).toEqual(Uint8Array.of(21, 3, 1, 0, 2, 2, AD.decode_error));
  });
  it('maxHandshakeMessage is configurable: 200 bytes refuses a signed ServerKeyExchange', async () => {
    const d = await duel({ limits: { maxHandshakeMessage: 200 } });
    await d.pump();
    expect(code(d.client)).toBe('decode_message_too_large');
    const ok = await duel({ limits: { maxHandshakeMessage: 1024 } });
    await ok.pump();
    expect(ok.client.state).toBe('open');
  });
  it('maxCertificateMessage is configurable: a 512-byte cap refuses the server chain', async () => {
    const d = await duel({ limits: { maxCertificateMessage: 512 } });
    await d.pump();
    expect(code(d.client)).toBe('decode_message_too_large');
  });
});

describe('certificate chain length', () => {
  // The real chain (leaf + intermediate) padded with copies of the intermediate: path building ignores extras,
  // so only the cap decides.
  const padded = (n: number) => pki.serverRsa.cert + pki.serverRsa.cert.split(/(?=-----BEGIN)/)[1]!.repeat(n);
  it('more than maxCertificates (default 16) is refused with limit_chain and bad_certificate', async () => {
    const d = await duel({ server: defaultServer({ cert: padded(15), key: pki.serverRsa.key }) });
    await d.pump();
    expect(code(d.client)).toBe('limit_chain');
    expect(d.plainAlerts.client).toEqual([[2, AD.bad_certificate]]);
  });
  it('at the cap, and with the cap raised, the same chain is accepted', async () => {
    const atCap = await duel({ server: defaultServer({ cert: padded(14), key: pki.serverRsa.key }) });
    await atCap.pump();
    expect(atCap.client.state).toBe('open');
    const raised = await duel({ limits: { maxCertificates: 40 }, server: defaultServer({ cert: padded(30), key: pki.serverRsa.key }) });
    await raised.pump();
    expect(raised.client.state).toBe('open');
  });
  it('TLS 1.3 (a request context, extensions per entry): more than maxCertificates is limit_chain too, at the cap it passes', async () => {
    const v13 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' } as const;
    const over = await duel({ client: defaultClient({ maxVersion: 'TLSv1.3' }), server: defaultServer({ ...v13, cert: padded(15), key: pki.serverRsa.key }) });
    await over.pump();
    expect(code(over.client)).toBe('limit_chain');
    const low = await duel({ limits: { maxCertificates: 1 }, client: defaultClient({ maxVersion: 'TLSv1.3' }), server: defaultServer(v13) });
    await low.pump();
    expect(code(low.client)).toBe('limit_chain');
    const atCap = await duel({ client: defaultClient({ maxVersion: 'TLSv1.3' }), server: defaultServer({ ...v13, cert: padded(14), key: pki.serverRsa.key }) });
    await atCap.pump();
    expect(atCap.client.state).toBe('open');
    expect((await atCap.client.handshake).version).toBe(0x0304);
  });
  it('total chain size is bounded by maxCertificateMessage (default 256 KiB)', async () => {
    const d = await duel({ limits: { maxCertificates: 1000 }, server: defaultServer({ cert: padded(400), key: pki.serverRsa.key }) });
    await d.pump();
    expect(code(d.client)).toBe('decode_message_too_large');
  });
});

describe('consecutive empty records and warning alerts', () => {
  it('maxWarningAlerts: a stream of warnings after the handshake ends the connection', async () => {
    const run = async (n: number, limit: number) => {
      const d = await duel({ limits: { maxWarningAlerts: limit } });
      await d.pump();
      for (let i = 0; i < n; i++) await rawWrite(d.server, 21, Uint8Array.of(1, AD.unrecognized_name));
      await d.client.receive(d.server.takeOutgoing()!).catch(() => {});
      return code(d.client);
    };
    expect(await run(4, 4)).toBeUndefined();
    expect(await run(5, 4)).toBe('protocol_unexpected_message');
  });
  // maxEmptyRecords: attacks.test.ts, 'a flood of empty application data records hits the configurable cap'.
});

describe('buffered application data: backpressure', () => {
  it('a peer flooding a reader that does not read is held back by the transport, not buffered', async () => {
    const [a, b] = memoryPair();
    const [client, server] = await Promise.all([connect({ transport: a, ca: pki.ca, serverName: 'localhost' }), accept({ transport: b, ...pki.serverRsa })]);
    const chunk = new Uint8Array(16384);
    const w = server.writable.getWriter();
    let written = 0;
    let stop = false;
    const flood = (async () => {
      while (!stop && written < 64 * 1048576) {
        await w.write(chunk);
        written += chunk.length;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const stalledAt = written;
    await new Promise((r) => setTimeout(r, 300));
    // The writer stalls after a few pipe buffers' worth, and stays stalled while nobody reads.
    expect(written).toBe(stalledAt);
    expect(written).toBeLessThan(1048576);
    // Reading drains it, and the flood moves on.
    const r = client.readable.getReader();
    let read = 0;
    while (read < stalledAt + 10 * chunk.length) read += (await r.read()).value!.length;
    expect(written).toBeGreaterThan(stalledAt);
    stop = true;
    r.releaseLock();
    void client.readable.cancel().catch(() => {});
    await Promise.race([flood.catch(() => {}), new Promise((res) => setTimeout(res, 200))]);
  });
});

describe('handshake duration: timeoutMs', () => {
  it('connect() gives up on a server that never answers', async () => {
    const [a] = memoryPair();
    const t0 = Date.now();
    await expect(connect({ transport: a, ca: pki.ca, serverName: 'localhost', timeoutMs: 150 })).rejects.toMatchObject({ code: 'io_timeout' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });
  it('accept() gives up on a client that never finishes (slowloris), also when set on the context', async () => {
    const [a, b] = memoryPair();
    const w = a.writable.getWriter();
    void w.write(Uint8Array.of(22, 3, 1, 0, 100, 1, 0)); // the start of a ClientHello, then silence
    await expect(accept({ transport: b, ...pki.serverRsa, timeoutMs: 150 })).rejects.toMatchObject({ code: 'io_timeout' });
    const [, b2] = memoryPair();
    const { createServerContext } = await import('../../src/server.js');
    const ctx = createServerContext({ ...pki.serverRsa, timeoutMs: 150 });
    await expect(accept({ transport: b2, context: ctx })).rejects.toMatchObject({ code: 'io_timeout' });
  });
});
