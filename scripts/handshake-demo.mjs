#!/usr/bin/env node
// The main job: a verified TLS handshake and an HTTP request with puretls (the built package in dist/) against a
// local `openssl s_server -www` serving the project's own test PKI. Prints version, suite, chain and verification.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { connect, nodeStream } from '../dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pki = (f) => path.join(root, 'vectors/pki', f);
const suite = process.argv[2];

function startServer() {
  const args = ['s_server', '-accept', '127.0.0.1:0', '-www', '-cert', pki('server-rsa.crt'), '-key', pki('server-rsa.key'),
    '-cert_chain', pki('intermediate.crt'), '-cipher', 'ALL:@SECLEVEL=0'];
  const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /ACCEPT\s+\S*?:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (e) => reject(new Error(`cannot run openssl (${e.message}); install it first`)));
    child.once('exit', (code) => reject(new Error(`openssl s_server exited (${code}):\n${out}`)));
  });
}

const { child, port } = await startServer();
try {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((res, rej) => { socket.once('connect', res); socket.once('error', rej); });
  const conn = await connect({
    transport: nodeStream(socket),
    serverName: 'localhost',
    ca: readFileSync(pki('ca.pem'), 'utf8'),
    ...(suite ? { cipherSuites: [suite] } : {}),
  });
  console.log(`connected to openssl s_server on 127.0.0.1:${port}`);
  console.log(`  version:       ${conn.version}`);
  console.log(`  cipher suite:  ${conn.cipherSuite}`);
  console.log(`  verification:  ${conn.verification.ok ? 'OK (chain to vectors/pki/ca.pem, name localhost)' : conn.verification.message}`);
  const cert = conn.peerCertificate();
  const name = (rdns) => rdns.map((rdn) => rdn.map(([k, v]) => `${k}=${v}`).join('+')).join(', ');
  console.log('  chain:');
  conn.peerCertificateChain().forEach((der, i) => console.log(`    ${i}: ${der.length} bytes DER`));
  console.log(`  leaf subject:  ${name(cert.subject)}`);
  console.log(`  leaf issuer:   ${name(cert.issuer)}`);
  console.log(`  valid:         ${cert.notBefore} .. ${cert.notAfter}`);
  console.log(`  subjectAltName: ${cert.subjectAltName.map(([t, v]) => `${t}:${v}`).join(', ')}`);
  const w = conn.writable.getWriter();
  await w.write(new TextEncoder().encode('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
  let body = '';
  const r = conn.readable.getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    body += new TextDecoder().decode(value);
  }
  console.log(`  response:      ${body.split('\r\n')[0]} (${body.length} bytes; server says: ${/New, (.*)/.exec(body)?.[0] ?? '?'})`);
  socket.destroy();
} catch (e) {
  console.error(`handshake failed: ${e.message}${e.code ? ` [${e.code}]` : ''}`);
  process.exitCode = 1;
} finally {
  child.kill();
}
