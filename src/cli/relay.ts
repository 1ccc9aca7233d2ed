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
  /**
   * Origins whose pages may open tunnels, e.g. 'https://app.example:8443' ('*' allows every origin). Browsers send
   * Origin with every WebSocket request, so this is what keeps any web page the user has open from reaching the
   * targets through a relay on their machine (cross-site WebSocket hijacking). Default: pages served from this
   * machine (http or https on localhost, 127.0.0.0/8 or [::1], any port). A request without Origin (not a browser:
   * a Node or command-line client) is let through; a foreign or 'null' origin gets 403.
   */
  origins?: string[];
  /** Tunnels open at once; further upgrade requests get 503 (default 64). */
  maxTunnels?: number;
  /** Time to reach the target before the tunnel is closed (default 10 s). */
  connectTimeoutMs?: number;
  /** A tunnel with no byte in either direction for this long is closed (default 5 min; 0 turns it off). */
  idleTimeoutMs?: number;
  /** One line per event (connections opened, refused, closed with byte counts). */
  log?: (line: string) => void;
}

/** Connections still sending their upgrade request (or being refused) kept beside the tunnels' own. */
const MAX_PENDING = 32;

/** The default origins: pages served from this machine. */
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/;

/** A refused upgrade request: answer, then close without waiting on the client (it may never close its side). */
function refuse(socket: Duplex, status: string): void {
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // Read and drop what the client still sends (closing with unread bytes would reset the answer away), for a moment.
  socket.resume();
  setTimeout(() => socket.destroy(), 1000).unref();
}

export interface RelayStats {
  /** Tunnels opened since start. */
  connections: number;
  active: number;
  /** Upgrade requests refused (target not allowed or malformed, origin not allowed, too many tunnels). */
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
  const origins = o.origins?.map((x) => x.replace(/\/+$/, '').toLowerCase());
  for (const x of origins ?? []) {
    if (x !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/.test(x)) throw new TlsError('config_invalid', `--origin '${x}' is not scheme://host[:port] (or *)`);
  }
  const originAllowed = (origin: string | undefined): boolean => {
    if (origin === undefined) return true;
    const v = origin.toLowerCase();
    return origins ? origins.includes('*') || origins.includes(v) : LOCAL_ORIGIN.test(v);
  };
  const limit = (v: number | undefined, dflt: number, name: string): number => {
    const n = v ?? dflt;
    if (!Number.isInteger(n) || n < 0) throw new TlsError('config_invalid', `${name} must be a whole number >= 0, not ${v}`);
    return n;
  };
  const maxTunnels = limit(o.maxTunnels, 64, 'maxTunnels');
  const connectTimeoutMs = limit(o.connectTimeoutMs, 10_000, 'connectTimeoutMs');
  const idleTimeoutMs = limit(o.idleTimeoutMs, 300_000, 'idleTimeoutMs');
  const stats: RelayStats = { connections: 0, active: 0, refused: 0, bytesUp: 0, bytesDown: 0 };
  const sockets = new Set<net.Socket>();

  // A client that never finishes its request head does not hold a socket for long (checked every second).
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1000 }, (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('puretls relay: connect with a WebSocket to /<host>:<port>\n');
  });
  // Sockets from clients at once: the tunnels', and MAX_PENDING more still sending their request (or being refused).
  // Beyond that new connections are dropped at once, so a flood of idle connections cannot take every descriptor.
  server.maxConnections = maxTunnels + MAX_PENDING;
  server.on('drop', (d?: { remoteAddress?: string }) => {
    stats.refused++;
    log(`refused ${d?.remoteAddress ?? 'a client'}: ${server.maxConnections} connections open`);
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
  let upgrading = 0;

  server.on('upgrade', (req, socket: Duplex, head) => {
    // Every socket the relay touches has an error listener: a client that resets would otherwise end the process.
    socket.on('error', () => socket.destroy());
    const target = targetFromUrl(req.url ?? '/');
    const origin = req.headers.origin;
    const who = `${req.socket.remoteAddress}${origin !== undefined ? ` (origin ${JSON.stringify(origin)})` : ''}`;
    const no = (status: string, why: string) => {
      stats.refused++;
      log(`refused ${who} → ${target ?? JSON.stringify(req.url)}: ${why}`);
      refuse(socket, status);
    };
    if (!target || !allowed.has(target)) return no('403 Forbidden', 'not an allowed target');
    if (!originAllowed(origin)) return no('403 Forbidden', 'origin not allowed (see --origin)');
    if (stats.active + upgrading >= maxTunnels) return no('503 Service Unavailable', `${maxTunnels} tunnels open (--max-tunnels)`);
    // Counted until it is a tunnel, or until the socket closes (handleUpgrade answers a bad request itself).
    upgrading++;
    let counted = true;
    const uncount = () => {
      if (counted) upgrading--;
      counted = false;
    };
    socket.once('close', uncount);
    wss.handleUpgrade(req, socket, head, (ws) => {
      uncount();
      tunnel(ws, target);
    });
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
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const connectTimer = setTimeout(() => {
      log(`#${id} ${target} did not answer within ${connectTimeoutMs} ms`);
      if (ws.readyState === WebSocket.OPEN) ws.close(1011, 'the target did not answer');
      tcp.destroy();
      finish('connect timeout');
    }, connectTimeoutMs);
    const finish = (why: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(connectTimer);
      clearTimeout(idleTimer);
      stats.active--;
      sockets.delete(tcp);
      log(`#${id} closed (${why}): ${up} bytes up, ${down} bytes down`);
      // Neither end may keep the other open: whatever is left is destroyed shortly after.
      setTimeout(() => {
        tcp.destroy();
        ws.terminate();
      }, 30_000).unref();
    };
    const touch = () => {
      if (!idleTimeoutMs || finished) return;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        log(`#${id} idle for ${idleTimeoutMs} ms`);
        if (ws.readyState === WebSocket.OPEN) ws.close(1001, 'idle');
        tcp.destroy();
        finish('idle timeout');
      }, idleTimeoutMs);
      idleTimer.unref?.();
    };
    tcp.once('connect', () => {
      clearTimeout(connectTimer);
      touch();
    });

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(1003, 'binary frames only');
        tcp.destroy();
        return;
      }
      touch();
      up += data.length;
      stats.bytesUp += data.length;
      // Writes queue until the TCP connection is up; stop reading the browser while TCP is backed up.
      if (!tcp.write(data)) {
        ws.pause();
        tcp.once('drain', () => ws.resume());
      }
    });
    tcp.on('data', (data: Buffer) => {
      touch();
      down += data.length;
      stats.bytesDown += data.length;
      ws.send(data, { binary: true }, () => {
        if (tcp.isPaused() && ws.bufferedAmount < hwm) tcp.resume();
      });
      if (ws.bufferedAmount >= hwm) tcp.pause();
    });
    tcp.on('end', () => {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      finish('target closed');
    });
    tcp.on('close', () => finish('target closed'));
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
