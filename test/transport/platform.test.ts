/**
 * The platform hooks: the Node entry installs TCP and the system CA bundle; the portable entry alone has neither and
 * says so (config_no_ca naming `ca`), and hooks installed by hand are what the core consults.
 */
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { platform, setPlatform } from '../../src/platform.js';
import { loadTrustAnchors } from '../../src/config.js';
import { TlsError } from '../../src/errors.js';
import { pki } from '../helpers/pki.js';

describe('platform hooks', () => {
  it('the portable core alone has no system CA: config_no_ca asks for ca', async () => {
    expect(platform().systemCa).toBeUndefined();
    await expect(loadTrustAnchors(undefined)).rejects.toMatchObject({ code: 'config_no_ca', message: expect.stringMatching(/pass ca/) });
  });

  it('a systemCa hook is the default ca', async () => {
    const before = platform();
    setPlatform({ systemCa: async () => pki.ca });
    try {
      const roots = await loadTrustAnchors(undefined);
      expect(roots.length).toBe(1);
      expect(platform().openTcp).toBe(before.openTcp); // members not given are kept
    } finally {
      setPlatform({ systemCa: before.systemCa });
    }
  });

  it('the Node entry installs openTcp and systemCa', async () => {
    await import('../../src/index.js');
    const { loadSystemCa } = await import('../../src/transport/node-system-ca.js');
    const { openTcp } = await import('../../src/transport/node-tcp.js');
    expect(platform().systemCa).toBe(loadSystemCa);
    expect(platform().openTcp).toBe(openTcp);
  });

  it('openTcp carries bytes both ways over 127.0.0.1', async () => {
    const { openTcp } = await import('../../src/transport/node-tcp.js');
    const server = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const stream = await openTcp({ host: '127.0.0.1', port });
      const w = stream.writable.getWriter();
      await w.write(new TextEncoder().encode('ping'));
      const { value } = await stream.readable.getReader().read();
      expect(new TextDecoder().decode(value)).toBe('ping');
      await w.close();
    } finally {
      server.close();
    }
  });

  it('openTcp to a closed port rejects with io_transport, and an aborted signal gives up', async () => {
    const { openTcp } = await import('../../src/transport/node-tcp.js');
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await openTcp({ host: '127.0.0.1', port }).catch((e) => e);
    expect(err).toBeInstanceOf(TlsError);
    expect(err.code).toBe('io_transport');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    await expect(openTcp({ host: '127.0.0.1', port, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'io_transport' });
  });
});
