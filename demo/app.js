// The demo page's script: one request() through the relay, then what the handshake and the server said.
import { request, webSocketStream, peerCertificateFromDer } from './puretls.js';

const $ = (id) => document.getElementById(id);
const dn = (name) => name.map((rdn) => rdn.map(([k, v]) => `${k}=${v}`).join('+')).join(', ');

async function run() {
  const cfg = await (await fetch('./config.json')).json();
  $('url').textContent = cfg.url;
  $('relay').textContent = cfg.relay;
  const t0 = performance.now();
  const res = await request(cfg.url, {
    // Every connection request() opens goes through the relay; TLS runs here, the relay sees ciphertext only.
    connect: () => webSocketStream(new WebSocket(cfg.relay)),
    tls: { ca: cfg.ca },
    timeoutMs: 20000,
    onConnection(conn) {
      $('version').textContent = conn.version;
      $('suite').textContent = conn.cipherSuite;
      const v = conn.verification;
      $('verified').textContent = v.ok ? 'OK: chain and name verified against the test root' : `FAILED ${v.code}: ${v.message}`;
      $('verified').className = v.ok ? 'ok' : 'bad';
      for (const der of conn.peerCertificateChain()) {
        const c = peerCertificateFromDer(der);
        const li = document.createElement('li');
        li.textContent = `subject: ${dn(c.subject)} — issuer: ${dn(c.issuer)} — valid ${c.notBefore} to ${c.notAfter}`;
        $('chain').append(li);
      }
    },
  });
  $('http').textContent = `${res.status} ${res.statusText}`;
  $('body').textContent = await res.text();
  $('time').textContent = `${Math.round(performance.now() - t0)} ms`;
  $('status').textContent = 'Done.';
  $('status').className = 'ok';
  document.body.dataset.state = 'done';
}

run().catch((e) => {
  $('status').textContent = `Failed: ${e.message}${e.code ? ` [${e.code}]` : ''}`;
  $('status').className = 'bad';
  document.body.dataset.state = 'error';
  console.error(e);
});
