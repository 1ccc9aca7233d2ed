/**
 * request(url) and request(new Request(...)) on Node open their own TCP connection (no transport, no connect),
 * against Node's https server on loopback; redirects are followed over new connections the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import type net from 'node:net';
import { once } from 'node:events';
import { request } from '../../src/index.js';
import { pki } from '../helpers/pki.js';
import { HOST } from './helpers.js';

let server: https.Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = https.createServer({ cert: pki.serverRsa.chain, key: pki.serverRsa.key }, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/echo' });
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, body, xa: req.headers['x-a'] ?? null }));
    });
  });
  server.on('secureConnection', () => connections++);
  server.listen(0, HOST);
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('request() over its own TCP connection', () => {
  it("request('https://localhost:PORT/'): verified against ca, serverName from the URL", async () => {
    const before = connections;
    const res = await request(`https://localhost:${port}/hello`, { tls: { ca: pki.ca } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ method: 'GET', url: '/hello', body: '', xa: null });
    expect(connections).toBe(before + 1);
  });

  it('request(new Request(...)) takes its method, headers and body; init wins where given', async () => {
    const req = new Request(`https://localhost:${port}/echo`, { method: 'POST', body: 'payload', headers: { 'x-a': 'from-request' } });
    const res = await request(req, { tls: { ca: pki.ca } });
    expect(await res.json()).toEqual({ method: 'POST', url: '/echo', body: 'payload', xa: 'from-request' });
    const res2 = await request(new Request(`https://localhost:${port}/echo`, { headers: { 'x-a': 'r' } }), { tls: { ca: pki.ca }, headers: { 'x-a': 'init' } });
    expect(await res2.json()).toMatchObject({ method: 'GET', xa: 'init' });
  });

  it('redirects are followed over new TCP connections without init.connect', async () => {
    const res = await request(`https://localhost:${port}/moved`, { tls: { ca: pki.ca }, redirect: 'follow' });
    expect(res.redirected).toBe(true);
    expect(await res.json()).toMatchObject({ url: '/echo' });
  });

  it('verification still applies: the wrong CA fails with cert_untrusted', async () => {
    await expect(request(`https://localhost:${port}/`, { tls: { ca: pki.serverEcdsa.cert } })).rejects.toMatchObject({ code: 'cert_untrusted' });
  });
});
