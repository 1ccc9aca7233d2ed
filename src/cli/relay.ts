/**
 * WebSocket ↔ TCP relay for browsers: a page opens ws://127.0.0.1:PORT/<host>:<port> (or ?target=<host>:<port>)
 * and its binary frames become a TCP byte stream to that target. Only targets on the allow list are reachable,
 * so the relay is never an open proxy. It carries TLS ciphertext: the page, not the relay, holds the keys.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { TlsError } from '../errors.js';

export interface RelayOptions {
  /** Default 127.0.0.1; binding elsewhere is the caller's explicit choice. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** 'host:port' targets the relay may connect to ('[::1]:443' for IPv6). */
  allow: string[];
  /** Stop reading TCP while this many bytes wait in the WebSocket (default 1 MiB). */
  highWaterMark?: number;
  /** One line per event (connections opened, refused, closed with byte counts). */
  log?: (line: string) => void;
}

export interface RelayStats {
  /** Tunnels opened since start. */
  connections: number;
  active: number;
  /** Upgrade requests refused (target not allowed or malformed). */
  refused: number;
  /** Bytes browser → target and target → browser. */
  bytesUp: number;
  bytesDown: number;
}

export interface Relay {
  port: number;
  host: string;
  /** ws://host:port/<target> for a target on the allow list. */
  urlFor(target: string): string;
  stats(): RelayStats;
  close(): Promise<void>;
}

/** 'host:port' with a lower-case host and brackets kept for IPv6; null if it is not one. */
export function normalizeTarget(s: string): string | null {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return `${m[1]!.toLowerCase()}:${port}`;
}

/**
 * The target named by an upgrade request's path ('/host:port') or query (?target=host:port); null if it names none.
 * The URL comes from the network: one that does not parse ('//') or a bad escape ('/%') is refused, not thrown
 * (a throw in the 'upgrade' handler would take the whole relay down).
 */
export function targetFromUrl(reqUrl: string): string | null {
  let raw: string;
  try {
    const u = new URL(reqUrl, 'http://relay.invalid');
    raw = u.searchParams.get('target') ?? decodeURIComponent(u.pathname.replace(/^\/+/, ''));
  } catch {
    return null;
  }
  return raw ? normalizeTarget(raw) : null;
}

export async function startRelay(o: RelayOptions): Promise<Relay> {
  const allowed = new Set<string>();
  for (const a of o.allow) {
    const t = normalizeTarget(a);
    if (!t) throw new TlsError('config_invalid', `--allow '${a}' is not host:port`);
    allowed.add(t);
  }
  if (!allowed.size) throw new TlsError('config_invalid', 'the relay needs at least one allowed target (--allow host:port)');
  const log = o.log ?? (() => {});
  const hwm = o.highWaterMark ?? 1 << 20;
  const stats: RelayStats = { connections: 0, active: 0, refused: 0, bytesUp: 0, bytesDown: 0 };
  const sockets = new Set<net.Socket>();

  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('puretls relay: connect with a WebSocket to /<host>:<port>\n');
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });

  server.on('upgrade', (req, socket: Duplex, head) => {
    const target = targetFromUrl(req.url ?? '/');
    if (!target || !allowed.has(target)) {
      stats.refused++;
      log(`refused ${req.socket.remoteAddress} → ${target ?? JSON.stringify(req.url)}: not an allowed target`);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => tunnel(ws, target));
  });

  function tunnel(ws: WebSocket, target: string): void {
    const id = ++stats.connections;
    stats.active++;
    let up = 0;
    let down = 0;
    const i = target.lastIndexOf(':');
    const tcp = net.connect({ host: target.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(target.slice(i + 1)) });
    sockets.add(tcp);
    log(`#${id} open → ${target}`);
    let finished = false;
    const finish = (why: string) => {
      if (finished) return;
      finished = true;
      stats.active--;
      sockets.delete(tcp);
      log(`#${id} closed (${why}): ${up} bytes up, ${down} bytes down`);
    };

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(1003, 'binary frames only');
        tcp.destroy();
        return;
      }
      up += data.length;
      stats.bytesUp += data.length;
      // Writes queue until the TCP connection is up; stop reading the browser while TCP is backed up.
      if (!tcp.write(data)) {
        ws.pause();
        tcp.once('drain', () => ws.resume());
      }
    });
    tcp.on('data', (data: Buffer) => {
      down += data.length;
      stats.bytesDown += data.length;
      ws.send(data, { binary: true }, () => {
        if (tcp.isPaused() && ws.bufferedAmount < hwm) tcp.resume();
      });
      if (ws.bufferedAmount >= hwm) tcp.pause();
    });
    tcp.on('end', () => {
      ws.close(1000);
      finish('target closed');
    });
    tcp.on('error', (e) => {
      // 1011 tells the browser side this was not an orderly end (webSocketStream turns it into an io error).
      if (ws.readyState === WebSocket.OPEN) ws.close(1011, e.message.slice(0, 100));
      finish(`target error: ${e.message}`);
    });
    ws.on('close', (code: number) => {
      if (code === 1000 || code === 1005) tcp.end();
      else tcp.destroy();
      finish(`browser closed, code ${code}`);
    });
    ws.on('error', () => tcp.destroy());
  }

  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    host,
    urlFor: (target) => `ws://${hostForUrl}:${port}/${target}`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        for (const s of sockets) s.destroy();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
