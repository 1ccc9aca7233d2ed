#!/usr/bin/env node
/**
 * `npm run demo`: everything the demo page needs, on 127.0.0.1 only: an `openssl s_server -www` with the test PKI,
 * the WebSocket relay allowed to reach only that server, and a small HTTP server for the page and the bundle.
 * Needs `npm run build` (dist/) and `node scripts/build-browser.mjs` (dist/browser/) first; `npm run demo` does both.
 * Options: --port N (default 8000; 0 picks one). Prints the URL; Ctrl-C stops all three.
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pki = (f) => path.join(root, 'vectors/pki', f);
const { startRelay } = await import(path.join(root, 'dist/cli/relay.js'));
const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 8000;

/** s_server on an ephemeral port: its "ACCEPT host:port" line says which, once it listens. */
function startSServer() {
  const child = spawn(process.env.OPENSSL ?? 'openssl', [
    's_server', '-accept', '127.0.0.1:0', '-www', '-cert', pki('server-rsa.crt'), '-key', pki('server-rsa.key'), '-cert_chain', pki('intermediate.crt'),
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /^ACCEPT\s+\S*?:(\d+)\s*$/m.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (c) => reject(new Error(`openssl s_server exited (${c}): ${out}`)));
  });
}

const sserver = await startSServer();
const target = `127.0.0.1:${sserver.port}`;
const relay = await startRelay({ allow: [target], log: (l) => console.error(`relay: ${l}`) });
const config = {
  url: `https://localhost:${sserver.port}/`,
  relay: relay.urlFor(target),
  ca: await readFile(pki('ca.pem'), 'utf8'),
};

const FILES = {
  '/': ['demo/index.html', 'text/html; charset=utf-8'],
  '/index.html': ['demo/index.html', 'text/html; charset=utf-8'],
  '/app.js': ['demo/app.js', 'text/javascript'],
  '/puretls.js': ['dist/browser/puretls.js', 'text/javascript'],
  '/puretls.js.map': ['dist/browser/puretls.js.map', 'application/json'],
};
const web = http.createServer(async (req, res) => {
  const p = new URL(req.url, 'http://x').pathname;
  if (p === '/config.json') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return res.end(JSON.stringify(config));
  }
  const f = FILES[p];
  if (!f) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    return res.end('not found\n');
  }
  try {
    const body = await readFile(path.join(root, f[0]));
    res.writeHead(200, { 'content-type': f[1], 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`${f[0]} is missing: run npm run build and node scripts/build-browser.mjs\n`);
  }
});
await new Promise((r) => web.listen(port, '127.0.0.1', r));

const stop = async () => {
  sserver.child.kill('SIGTERM');
  await relay.close();
  web.close();
  const s = relay.stats();
  console.error(`demo stopped: ${s.connections} tunnels, ${s.bytesUp} bytes up, ${s.bytesDown} bytes down`);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
sserver.child.once('exit', () => {
  console.error('demo: openssl s_server exited');
});
console.log(`demo: open http://127.0.0.1:${web.address().port}/  (relay ${config.relay} → s_server ${target})`);
