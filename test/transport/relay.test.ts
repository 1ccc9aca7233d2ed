/** The relay never becomes an open proxy: target parsing, the allow list, loopback binding, byte counts. */
import { describe, it, expect } from 'vitest';
import net from 'node:net';
import { WebSocket } from 'ws';
import { normalizeTarget, targetFromUrl, startRelay } from '../../src/cli/relay.js';

describe('relay targets', () => {
  it('parses host:port from the path or ?target=, normalised', () => {
    expect(targetFromUrl('/LocalHost:443')).toBe('localhost:443');
    expect(targetFromUrl('/?target=127.0.0.1:8443')).toBe('127.0.0.1:8443');
    expect(targetFromUrl('/%5B::1%5D:443')).toBe('[::1]:443');
    for (const bad of ['/', '/localhost', '/localhost:0', '/localhost:70000', '/a b:1', '/user@host:1', '/host:1/x', '/%', '/%E0%A4%A', '//']) {
      expect(targetFromUrl(bad)).toBeNull();
    }
    expect(normalizeTarget('[::1]:22')).toBe('[::1]:22');
  });

  it('refuses a relay with no allowed target or a malformed one', async () => {
    await expect(startRelay({ allow: [] })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(startRelay({ allow: ['nohost'] })).rejects.toMatchObject({ code: 'config_invalid' });
  });

  it('binds to 127.0.0.1, tunnels only to allowed targets, and counts bytes', async () => {
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const target = `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
    const lines: string[] = [];
    const relay = await startRelay({ allow: [target], log: (l) => lines.push(l) });
    try {
      expect(relay.host).toBe('127.0.0.1');
      const status = (path: string) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${relay.port}${path}`);
          ws.on('unexpected-response', (_q, res) => resolve(res.statusCode!));
          ws.on('open', () => {
            ws.close();
            resolve(101);
          });
          ws.on('error', () => {});
        });
      expect(await status('/127.0.0.1:1')).toBe(403);
      expect(await status('/?target=example.com:443')).toBe(403);
      expect(await status('/')).toBe(403);
      // A malformed escape is refused like any other bad target, and the relay keeps serving.
      expect(await status('/%')).toBe(403);
      const ws = new WebSocket(relay.urlFor(target));
      await new Promise((r) => ws.once('open', r));
      const got = new Promise<Buffer>((r) => ws.once('message', (d: Buffer) => r(d)));
      ws.send(Buffer.from('ping'));
      expect((await got).toString()).toBe('ping');
      ws.close(1000);
      await expect.poll(() => relay.stats().active).toBe(0);
      expect(relay.stats()).toMatchObject({ connections: 1, refused: 4, bytesUp: 4, bytesDown: 4 });
      expect(lines.filter((l) => l.startsWith('refused'))).toHaveLength(4);
    } finally {
      await relay.close();
      echo.close();
    }
  });
});
