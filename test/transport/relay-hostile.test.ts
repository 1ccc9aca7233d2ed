/**
 * The relay against hostile clients: a reset after a refusal (used to kill the process), pages from foreign
 * origins (cross-site WebSocket hijacking), and the resource limits (tunnels, connect and idle timeouts, refused
 * sockets closed).
 */
import { describe, it, expect, afterAll } from 'vitest';
import net from 'node:net';
import { WebSocket } from 'ws';
import { startRelay, type Relay } from '../../src/cli/relay.js';
import { spawn } from 'node:child_process';
import { startCli } from '../helpers/cli.js';

const cleanup: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function echoServer(): Promise<string> {
  const echo = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => echo.close());
  return `127.0.0.1:${(echo.address() as net.AddressInfo).port}`;
}

async function relayFor(opts: Omit<Parameters<typeof startRelay>[0], 'allow'> & { allow?: string[] }): Promise<{ relay: Relay; target: string; lines: string[] }> {
  const target = opts.allow?.[0] ?? (await echoServer());
  const lines: string[] = [];
  const relay = await startRelay({ ...opts, allow: [target], log: (l) => lines.push(l) });
  cleanup.push(() => relay.close());
  return { relay, target, lines };
}

/** 101 when the tunnel opened (and closes it), else the refusal's status; the WebSocket with it when open. */
function open(url: string, origin?: string): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin !== undefined ? { origin } : {});
    ws.on('unexpected-response', (_q, res) => resolve({ status: res.statusCode! }));
    ws.on('open', () => resolve({ status: 101, ws }));
    // A connection dropped before any answer (see the connection cap) is 0.
    ws.on('error', () => resolve({ status: 0 }));
  });
}

describe('relay: a client resetting after a refusal', () => {
  it('does not take the puretls relay process down', async () => {
    const relay = await startCli(['relay', '--listen', '127.0.0.1:0', '--allow', '127.0.0.1:9', '--max-tunnels', '8', '--idle-timeout', '60000', '--origin', 'https://app.example'], { stdout: 'ignore' });
    cleanup.push(() => relay.stop());
    const { child, port } = relay;
    let exited = false;
    child.once('exit', () => (exited = true));
    for (let i = 0; i < 5; i++) {
      // A refused upgrade request; once the 403 is in, the client resets the connection.
      await new Promise<void>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write('GET /127.0.0.1:22 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
        });
        s.once('data', () => {
          s.resetAndDestroy();
          resolve();
        });
        s.on('error', () => resolve());
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(exited, relay.stderr()).toBe(false);
    expect((await open(`ws://127.0.0.1:${port}/127.0.0.1:22`)).status).toBe(403);
    expect(relay.stderr()).toMatch(/refused 127\.0\.0\.1 → 127\.0\.0\.1:22: not an allowed target/);
  }, 30000);
});

describe('relay: Origin', () => {
  it('by default, pages from this machine get through and a page from https://evil.example gets 403', async () => {
    const { relay, target, lines } = await relayFor({});
    for (const origin of ['https://evil.example', 'null', 'http://localhost.evil.example', 'http://127.0.0.1.evil.example:80']) {
      expect((await open(relay.urlFor(target), origin)).status, origin).toBe(403);
    }
    for (const origin of [undefined, 'http://127.0.0.1:8000', 'http://localhost:3000', 'https://[::1]']) {
      const r = await open(relay.urlFor(target), origin);
      expect(r.status, origin).toBe(101);
      r.ws!.close();
    }
    expect(lines.filter((l) => /origin not allowed/.test(l))).toHaveLength(4);
    expect(lines.find((l) => l.includes('evil.example'))).toMatch(/refused 127\.0\.0\.1 \(origin "https:\/\/evil\.example"\)/);
  });

  it('with origins configured, only those (and clients without Origin) get through', async () => {
    const { relay, target } = await relayFor({ origins: ['https://app.example:8443'] });
    expect((await open(relay.urlFor(target), 'http://127.0.0.1:8000')).status).toBe(403);
    expect((await open(relay.urlFor(target), 'https://app.example')).status).toBe(403);
    const ok = await open(relay.urlFor(target), 'https://APP.example:8443');
    expect(ok.status).toBe(101);
    ok.ws!.close();
    await expect(startRelay({ allow: [target], origins: ['evil.example'] })).rejects.toMatchObject({ code: 'config_invalid' });
  });
});

describe('relay: limits', () => {
  it('caps the tunnels open at once (503, logged) and takes new ones when one closes', async () => {
    const { relay, target, lines } = await relayFor({ maxTunnels: 2 });
    const a = await open(relay.urlFor(target));
    const b = await open(relay.urlFor(target));
    expect([a.status, b.status]).toEqual([101, 101]);
    expect((await open(relay.urlFor(target))).status).toBe(503);
    expect(lines.some((l) => /refused .*2 tunnels open/.test(l))).toBe(true);
    a.ws!.close(1000);
    await expect.poll(() => relay.stats().active).toBe(1);
    const c = await open(relay.urlFor(target));
    expect(c.status).toBe(101);
    b.ws!.close();
    c.ws!.close();
  });

  it('closes a tunnel idle for idleTimeoutMs', async () => {
    const { relay, target, lines } = await relayFor({ idleTimeoutMs: 300 });
    const { ws } = await open(relay.urlFor(target));
    const got = new Promise<Buffer>((r) => ws!.once('message', (d: Buffer) => r(d)));
    ws!.send(Buffer.from('ping'));
    expect((await got).toString()).toBe('ping');
    const code = await new Promise<number>((r) => ws!.once('close', (c) => r(c)));
    expect(code).toBe(1001);
    expect(lines.some((l) => /idle for 300 ms/.test(l))).toBe(true);
    expect(relay.stats().active).toBe(0);
  });

  it('closes a tunnel whose target does not answer within connectTimeoutMs', async () => {
    // A listening socket that never accepts, its backlog filled: further SYNs go unanswered.
    const py = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    cleanup.push(() => py.kill('SIGKILL'));
    const port = await new Promise<number>((r) => py.stdout!.once('data', (d) => r(Number(String(d).trim()))));
    const fillers: net.Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
    }
    cleanup.push(() => fillers.forEach((s) => s.destroy()));
    await new Promise((r) => setTimeout(r, 200));
    const { relay, lines } = await relayFor({ allow: [`127.0.0.1:${port}`], connectTimeoutMs: 300 });
    const { ws } = await open(relay.urlFor(`127.0.0.1:${port}`));
    const code = await new Promise<number>((r) => ws!.once('close', (c) => r(c)));
    expect(code).toBe(1011);
    expect(lines.some((l) => /did not answer within 300 ms/.test(l))).toBe(true);
    expect(relay.stats().active).toBe(0);
  });

  it('drops connections beyond the tunnels and 32 pending ones (logged), so idle sockets cannot take every descriptor', async () => {
    const { relay, target, lines } = await relayFor({ maxTunnels: 1 });
    const idle: net.Socket[] = [];
    cleanup.push(() => idle.forEach((s) => s.destroy()));
    for (let i = 0; i < 33; i++) {
      const s = net.connect(relay.port, '127.0.0.1');
      s.on('error', () => {});
      idle.push(s);
      await new Promise((r) => s.once('connect', r));
    }
    await new Promise((r) => setTimeout(r, 100));
    const dropped = await new Promise<string>((resolve) => {
      const s = net.connect(relay.port, '127.0.0.1');
      s.on('error', () => {});
      s.once('close', () => resolve('closed'));
      setTimeout(() => {
        s.destroy();
        resolve('kept');
      }, 3000);
    });
    expect(dropped, lines.join('\n')).toBe('closed');
    expect(lines.some((l) => /refused .*: 33 connections open/.test(l))).toBe(true);
    idle.forEach((s) => s.destroy());
    await expect.poll(async () => (await open(relay.urlFor(target))).status, { timeout: 3000 }).toBe(101);
  });

  it('closes a refused socket even when the client keeps its side open', async () => {
    const { relay } = await relayFor({});
    const error = await new Promise<string>((resolve) => {
      const s = net.connect({ port: relay.port, host: '127.0.0.1', allowHalfOpen: true }, () => s.write('GET /127.0.0.1:22 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      s.resume();
      // The client never ends its side; once the relay has let the socket go, writing to it fails.
      const poke = setInterval(() => s.write('x'), 200);
      s.once('close', () => clearInterval(poke));
      setTimeout(() => {
        clearInterval(poke);
        s.destroy();
        resolve('still open');
      }, 4000);
    });
    expect(['ECONNRESET', 'EPIPE']).toContain(error);
  });
});
