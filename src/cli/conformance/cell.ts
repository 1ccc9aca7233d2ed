/**
 * One cell: start the peer, run puretls against it, exchange application data both ways, stop the peer.
 * The outcome is 'pass', 'fail' with the TlsError code our side raised (or a conformance_* code for what the
 * harness saw go wrong on the peer's side), or 'unsupported' when the peer cannot do the cell at all.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { connect, accept, createServerContext, nodeStream, TlsError, type TlsConnection } from '../../index.js';
import type { TlsSession } from '../../handshake/session.js';
import type { Cell, CellResult, PeerDriver, PeerServer } from './types.js';
import { CellFailure } from './types.js';
import { HOST, workDir } from './proc.js';
import { loadPki, SERVER_NAME } from './pki.js';
import { resumeBy } from './matrix.js';

export interface CellOptions {
  /** Whole-cell deadline. */
  timeoutMs: number;
}

export async function runCell(driver: PeerDriver, cell: Cell, opts: CellOptions): Promise<CellResult> {
  const t0 = Date.now();
  const done = (r: Omit<CellResult, 'cell' | 'ms'>): CellResult => ({ cell, ...r, ms: Date.now() - t0 });
  const missing = driver.missing();
  // A peer that is not installed cannot vouch for anything: the cell fails (install-peers.sh fixes it).
  if (missing) return done({ result: 'fail', code: 'conformance_peer_missing', detail: missing });
  const side = cell.peerRole === 'server' ? driver.server : driver.client;
  const why = !side
    ? `${driver.name} has no ${cell.peerRole}`
    : cell.resumption && driver.client === side && !driver.client.resume
      ? `${driver.name}'s client cannot resume a session`
      : side.unsupported(cell);
  if (why) return done({ result: 'unsupported', detail: why });
  try {
    await withDeadline(cell.peerRole === 'server' ? againstServer(driver, cell, opts) : againstClient(driver, cell, opts), opts.timeoutMs);
    return done({ result: 'pass' });
  } catch (e) {
    if (e instanceof TlsError) return done({ result: 'fail', code: e.code, detail: e.message });
    if (e instanceof CellFailure) return done({ result: 'fail', code: e.code, detail: e.message });
    return done({ result: 'fail', code: 'conformance_harness', detail: e instanceof Error ? e.message : String(e) });
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CellFailure('conformance_timeout', `the cell did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

function checkNegotiated(conn: TlsConnection, cell: Cell): void {
  if (conn.version !== cell.version || conn.cipherSuite !== cell.suite.name) {
    throw new CellFailure('conformance_negotiated_other', `negotiated ${conn.version} ${conn.cipherSuite}, expected ${cell.version} ${cell.suite.name}`);
  }
  // A HelloRetryRequest cell ends on the only group the server takes.
  if (cell.hrr && conn.group !== HRR_GROUP) {
    throw new CellFailure('conformance_negotiated_other', `negotiated group ${conn.group ?? 'none'}, expected ${HRR_GROUP} after a HelloRetryRequest`);
  }
  if (cell.pq && conn.group !== PQ_GROUP) throw new CellFailure('conformance_negotiated_other', `negotiated group ${conn.group ?? 'none'}, expected ${PQ_GROUP}`);
}

/** The only group either puretls end takes in a post-quantum cell. */
const PQ_GROUP = 'X25519MLKEM768';

/** The one group a server takes in HelloRetryRequest cells; the client's first key share is for another. */
const HRR_GROUP = 'secp384r1';

function openSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port });
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new CellFailure('conformance_connect', `connect to ${HOST}:${port}: ${e.message}`)));
  });
}

const decoder = new TextDecoder('latin1');

/**
 * Read from a connection until `complete(text)` says the answer is whole. An error after the answer is complete
 * (a peer that drops TCP without close_notify after a full HTTP response) does not spoil it; one before does.
 */
async function readAnswer(conn: TlsConnection, complete: (text: string, ended: boolean) => boolean): Promise<string> {
  const reader = conn.readable.getReader();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (value) text += decoder.decode(value, { stream: true });
      if (complete(text, done)) return text;
      if (done) throw new CellFailure('conformance_bad_data', `the peer closed before answering; got ${JSON.stringify(text.slice(0, 200))}`);
    }
  } catch (e) {
    if (complete(text, true) && e instanceof TlsError && (e.code === 'io_truncated' || e.code === 'io_transport')) return text;
    throw e;
  } finally {
    reader.releaseLock();
  }
}

async function write(conn: TlsConnection, text: string): Promise<void> {
  const w = conn.writable.getWriter();
  try {
    await w.write(new TextEncoder().encode(text));
  } finally {
    w.releaseLock();
  }
}

/** HTTP/1.0 GET: whole once the headers are in and the body has Content-Length bytes (or the peer closed). */
function httpComplete(text: string, ended: boolean): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const m = /^content-length:\s*(\d+)/im.exec(text.slice(0, end));
  return m ? text.length - end - 4 >= Number(m[1]) : ended;
}

async function talkToServer(conn: TlsConnection, server: PeerServer, nonce: string, sentEarly = false): Promise<void> {
  if (server.app === 'print') {
    // The server prints what it reads; reading our side meanwhile takes in its session tickets.
    const line = `PING ${nonce}\n`;
    if (!sentEarly) await write(conn, line);
    const reader = conn.readable.getReader();
    void reader.read().catch(() => {});
    const end = Date.now() + 10000;
    while (!server.output().includes(line.trim()) || (!conn.session && !sentEarly)) {
      if (Date.now() > end) throw new CellFailure('conformance_bad_data', `the server did not print our line (or sent no ticket): ${tail(server.output(), 3)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    reader.releaseLock();
    return;
  }
  if (server.app === 'http') {
    await write(conn, `GET ${server.path ?? '/'} HTTP/1.0\r\nHost: ${SERVER_NAME}\r\n\r\n`);
    const answer = await readAnswer(conn, httpComplete);
    if (!/^HTTP\/1\.[01] 200/.test(answer)) throw new CellFailure('conformance_bad_data', `HTTP answer was ${JSON.stringify(answer.slice(0, 80))}`);
  } else {
    const line = `PING ${nonce}\n`;
    await write(conn, line);
    await readAnswer(conn, (text) => text.includes(line));
  }
}

async function clientHandshake(cell: Cell, port: number, session?: TlsSession, earlyData?: Uint8Array): Promise<{ conn: TlsConnection; sock: net.Socket }> {
  const pki = loadPki();
  const sock = await openSocket(port);
  try {
    const id = pki.client[cell.keyType];
    const conn = await connect({
      transport: nodeStream(sock),
      serverName: SERVER_NAME,
      ca: pki.ca,
      minVersion: cell.version,
      maxVersion: cell.version,
      cipherSuites: [cell.suite.name],
      ...(cell.clientAuth ? { cert: id.chain, key: id.key } : {}),
      ...(cell.pq ? { groups: [PQ_GROUP] as const } : {}),
      ...(session ? { session } : {}),
      ...(earlyData ? { earlyData } : {}),
    });
    return { conn, sock };
  } catch (e) {
    sock.destroy();
    throw e;
  }
}

/** Peer is the server: puretls connects, verifies it against ca.pem, talks, and (for resumption) comes back. */
async function againstServer(driver: PeerDriver, cell: Cell, _opts: CellOptions): Promise<void> {
  const work = workDir();
  let server: PeerServer | undefined;
  try {
    try {
      server = await driver.server!.start(cell, work);
    } catch (e) {
      throw new CellFailure('conformance_peer_start', `${driver.name} server did not start: ${e instanceof Error ? tail(e.message) : String(e)}`);
    }
    const nonce = randomBytes(8).toString('hex');
    let session: TlsSession | undefined;
    for (const round of cell.resumption ? [1, 2] : [1]) {
      // 0-RTT cells: the second connection's line goes as early data, which the server must accept and report.
      const early = cell.earlyData && round === 2 ? new TextEncoder().encode(`PING ${nonce}\n`) : undefined;
      const { conn, sock } = await clientHandshake(cell, server.port, session, early).catch((e: unknown) => {
        throw annotate(e, server!);
      });
      try {
        checkNegotiated(conn, cell);
        if (round === 2 && !conn.resumed) throw new CellFailure('conformance_not_resumed', 'the second connection did full handshake instead of resuming');
        if (early && conn.earlyDataAccepted !== true) throw new CellFailure('conformance_early_data_refused', 'the server did not accept our early data');
        await talkToServer(conn, server, nonce, !!early);
        for (const end = Date.now() + 5000; early && !driver.server!.earlyDataReceived!(server.output(), `PING ${nonce}`); ) {
          if (Date.now() > end) throw new CellFailure('conformance_early_data_refused', `the server did not report our line as early data: ${tail(server.output(), 3)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        session = conn.session ?? session; // a 0-RTT round need not wait for a ticket of its own
        await conn.close().catch(() => {});
      } finally {
        sock.destroy();
      }
      if (cell.resumption && !session) throw new CellFailure('conformance_no_session', 'the first connection left no session to resume');
    }
  } finally {
    await server?.stop();
    work.remove();
  }
}

/** Attach the peer's last output lines to a TlsError so a failure report says what the peer thought. */
function annotate(e: unknown, server: PeerServer): unknown {
  if (e instanceof TlsError) e.message += ` [peer: ${tail(server.output(), 3)}]`;
  return e;
}

/**
 * Peer is the client: puretls serves its connections in order from one ServerContext, one connection or, in a
 * resumption cell, two (the second must resume the first's session). On each connection that carries data it
 * requires the peer's line, answers, and closes.
 */
async function againstClient(driver: PeerDriver, cell: Cell, opts: CellOptions): Promise<void> {
  const pki = loadPki();
  const work = workDir();
  const id = pki.server[cell.keyType];
  const resume = cell.resumption ? driver.client!.resume! : undefined;
  const nonce = randomBytes(8).toString('hex');
  const ping = `PING ${nonce}\n`;
  const pong = `PONG ${nonce}`;
  const context = createServerContext({
    cert: id.chain,
    key: id.key,
    minVersion: cell.version,
    maxVersion: cell.version,
    cipherSuites: [cell.suite.name],
    ...(cell.hrr ? { groups: [HRR_GROUP] as const } : cell.pq ? { groups: [PQ_GROUP] as const } : {}),
    ...(cell.clientAuth ? { requestCert: 'required' as const, ca: pki.ca } : {}),
    // 0-RTT cells: tickets that allow early data (the line is well within 16 KiB).
    ...(cell.earlyData ? { maxEarlyData: 16384 } : {}),
    // Leave the client exactly one way to resume, so a pass proves that one.
    ...(resume ? (resumeBy(cell) === 'ticket' ? { sessionCacheSize: 0 } : { sessionTickets: false }) : {}),
  });
  const rounds = resume ? 2 : 1;
  const withData = resume?.handshakeOnlyFirst ? rounds - 1 : rounds;
  const listener = net.createServer();
  const sockets = new Set<net.Socket>();
  // A browser is served on every connection it opens (serveBrowser), any other client on its first `rounds`.
  const nextSocket = driver.client!.http ? () => Promise.reject(new Error('unused')) : socketQueue(listener, rounds, sockets);
  const served = driver.client!.http ? serveBrowser(listener, sockets, { cell, context, ping, pong, timeoutMs: opts.timeoutMs }) : (async () => {
    for (let round = 1; round <= rounds; round++) {
      const conn = await accept({ transport: nodeStream(await nextSocket()), context, timeoutMs: opts.timeoutMs });
      checkNegotiated(conn, cell);
      if (cell.clientAuth && conn.peerCertificateChain().length === 0) throw new CellFailure('conformance_no_client_cert', 'no client certificate');
      if (resume && round === 1 && conn.resumed) throw new CellFailure('conformance_resumed_first', 'the first connection claims to resume a session');
      if (resume && round === 2 && !conn.resumed) {
        throw new CellFailure('conformance_not_resumed', `the second connection did a full handshake instead of resuming by ${resumeBy(cell)}`);
      }
      // The line came as early data, read before anything else (readAnswer reads from the start).
      if (cell.earlyData && round === 2 && conn.earlyDataAccepted !== true) {
        throw new CellFailure('conformance_early_data_rejected', 'the second connection did not accept the early data');
      }
      if (round === 1 && resume?.handshakeOnlyFirst) {
        // The peer closes right after the handshake; a close without close_notify is its business.
        await readAnswer(conn, (_text, ended) => ended);
        await conn.close().catch(() => {});
      } else {
        await readAnswer(conn, (text) => text.includes(ping));
        await write(conn, `${pong}\n`);
        await conn.close();
      }
    }
  })();
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, HOST, () => resolve());
  });
  const port = (listener.address() as net.AddressInfo).port;
  const client = driver.client!;
  const run = await (resume ? resume.start(cell, port, ping, work) : client.start(cell, port, ping, work));
  try {
    // The peer exiting before we served it is a failure on its side (bad options, verification, alert).
    // A peer may exit on our close_notify a moment before `served` settles: give that a second.
    served.catch(() => {});
    const peerGaveUp = run.exited.then(async (code) => {
      await Promise.race([served.catch(() => {}), sleep(1000)]);
      throw new CellFailure('conformance_peer_exit', `${driver.name} client exited (code ${code}) first: ${tail(run.output())}`);
    });
    peerGaveUp.catch(() => {});
    await Promise.race([served, peerGaveUp]).catch((e: unknown) => {
      if (e instanceof TlsError) e.message += ` [peer: ${tail(run.output(), 3)}]`;
      throw e;
    });
    // We answered; the peer must show our answer (it decrypted and verified our data), once per connection.
    await waitForOutput(run, pong, withData, 5000, driver.name);
    if (client.verified && !client.verified(run.output())) {
      throw new CellFailure('conformance_peer_not_verified', `${driver.name} client did not verify our certificate: ${tail(run.output())}`);
    }
    if (resume && !resume.reused(run.output())) {
      throw new CellFailure('conformance_peer_not_resumed', `${driver.name} client did not report a resumed session: ${tail(run.output())}`);
    }
    if (cell.earlyData && !resume?.earlyDataAccepted?.(run.output())) {
      throw new CellFailure('conformance_peer_early_data_rejected', `${driver.name} client did not report its early data accepted: ${tail(run.output())}`);
    }
  } finally {
    run.endInput();
    await Promise.race([run.exited, sleep(500)]);
    await run.stop();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => listener.close(() => r()));
    work.remove();
  }
}

/**
 * A browser client: it may open more than one connection (speculative ones, the favicon) and use whichever is ready,
 * so every connection is served, each with a handshake that must negotiate the cell; the one that GETs
 * /PING-<nonce> is answered with a page holding our PONG, any other request with a 404. Resolves once that page
 * went out; a failed handshake on any connection fails the cell.
 */
function serveBrowser(
  listener: net.Server,
  sockets: Set<net.Socket>,
  o: { cell: Cell; context: ReturnType<typeof createServerContext>; ping: string; pong: string; timeoutMs: number },
): Promise<void> {
  const wanted = `/${o.ping.trim().replace(/ /g, '-')}`;
  return new Promise<void>((resolve, reject) => {
    listener.on('connection', (sock) => {
      if (sockets.size >= 8) return void sock.destroy();
      sockets.add(sock);
      void (async () => {
        let conn: TlsConnection;
        try {
          conn = await accept({ transport: nodeStream(sock), context: o.context, timeoutMs: o.timeoutMs });
          checkNegotiated(conn, o.cell);
        } catch (e) {
          return reject(e);
        }
        try {
          const request = await readAnswer(conn, (text) => text.includes('\r\n\r\n'));
          const ours = request.split('\r\n')[0]!.split(' ')[1] === wanted;
          const body = ours ? `<!doctype html><p>${o.pong}</p>` : 'not found';
          await write(conn, `HTTP/1.1 ${ours ? '200 OK' : '404 Not Found'}\r\ncontent-type: text/html\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
          await conn.close();
          if (ours) resolve();
        } catch {
          // A connection the browser opened and then dropped without a request is its business.
        }
      })();
    });
  });
}

/** The listener's first `count` connections, handed out in order of arrival; any further one is not ours to serve. */
function socketQueue(listener: net.Server, count: number, sockets: Set<net.Socket>): () => Promise<net.Socket> {
  const arrived: net.Socket[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  listener.on('connection', (sock) => {
    if (sockets.size >= count) return void sock.destroy();
    sockets.add(sock);
    const take = waiting.shift();
    if (take) take(sock);
    else arrived.push(sock);
  });
  return () => {
    const sock = arrived.shift();
    return sock ? Promise.resolve(sock) : new Promise((resolve) => waiting.push(resolve));
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Wait until the peer's output holds `text` `times` times. */
async function waitForOutput(run: { output(): string; exited: Promise<number | null> }, text: string, times: number, ms: number, who: string): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (run.output().split(text).length - 1 < times) {
    if (exited || Date.now() > deadline) {
      throw new CellFailure('conformance_bad_data', `${who} client did not print our answer: ${tail(run.output())}`);
    }
    await sleep(20);
  }
}
