/**
 * webSocketStream over the `ws` package when the WebSocket never opens: a refused TCP connection, a relay's 403.
 * `ws` throws an 'error' event nobody listens to (the process would end); the handshake must reject with an
 * io_transport TlsError instead.
 */
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { WebSocket } from 'ws';
import { connect, webSocketStream } from '../../src/index.js';
import { startRelay } from '../../src/cli/relay.js';
import { TlsError } from '../../src/errors.js';
import { pki } from '../helpers/pki.js';

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function handshakeError(url: string): Promise<TlsError> {
  const e = await connect({ transport: webSocketStream(new WebSocket(url)), ca: pki.ca, serverName: 'localhost' }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TlsError);
  return e as TlsError;
}

describe('webSocketStream over ws: a WebSocket that never opens', () => {
  it('a closed port: the handshake rejects with io_transport, and the process lives', async () => {
    const e = await handshakeError(`ws://127.0.0.1:${await closedPort()}/`);
    expect(e.code).toBe('io_transport');
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it("a relay's 403: the handshake rejects with io_transport", async () => {
    const relay = await startRelay({ allow: ['127.0.0.1:9'] });
    try {
      const e = await handshakeError(`ws://127.0.0.1:${relay.port}/127.0.0.1:22`);
      expect(e.code).toBe('io_transport');
      expect(e.message).toMatch(/403/);
    } finally {
      await relay.close();
    }
  });
});
