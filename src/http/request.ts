/**
 * request(): HTTP/1.1 over a ByteStream the caller supplies, returning a standard Response. This is what lets a
 * browser make a verified HTTPS request through a WebSocket relay: TLS runs here, the relay only sees ciphertext.
 * One request per connection (Connection: close), so every redirect opens a new connection through `connect`.
 */
import { TlsError } from '../errors.js';
import { platform } from '../platform.js';
import { connect as tlsConnect, type ConnectOptions } from '../client.js';
import type { TlsConnection } from '../connection.js';
import type { ByteStream } from '../transport/types.js';
import { ByteReader, bodyStream, framing, readHead } from './reader.js';

export interface Target {
  protocol: 'https:' | 'http:';
  host: string;
  port: number;
}

export type RequestBody = string | Uint8Array | ArrayBuffer | URLSearchParams | ReadableStream<Uint8Array>;

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: RequestBody | null;
  /** An open byte stream to the server (TLS runs over it for https:). Used for the first request only. */
  transport?: ByteStream;
  /**
   * Opens a byte stream to host:port (a TCP socket, a WebSocket to a relay...). Needed to follow redirects.
   * Omitted (and no transport): a TCP connection from the platform (the Node entry); elsewhere a config error.
   */
  connect?: (target: Target) => ByteStream | Promise<ByteStream>;
  /**
   * TLS options for https: (ca, verify, versions, suites, client certificate...); serverName defaults to the URL host.
   * What identifies the client or pins a server (cert, key, passphrase, serverName, session, sessionKey) is used for
   * the first origin only: a redirect to another origin gets none of it.
   */
  tls?: Omit<ConnectOptions, 'transport'>;
  /** 'manual' (default) returns 3xx responses as they are; 'follow' follows up to maxRedirects; 'error' rejects. */
  redirect?: 'manual' | 'follow' | 'error';
  maxRedirects?: number;
  signal?: AbortSignal;
  /**
   * Abort the whole exchange (connect, handshake, head and body) after this many milliseconds. Without it, the
   * exchange is aborted after 30 s without progress: from connecting to the response head, then between pieces of
   * the body. 0: no time limit at all.
   */
  timeoutMs?: number;
  /** Called with each TLS connection once its handshake is done (version, suite, peer chain, for display). */
  onConnection?: (conn: TlsConnection, url: URL) => void;
  /**
   * Called with each response head as the server sent it (status line and header lines, CRLF-separated, latin1),
   * interim 1xx heads and every redirect's included: what `curl -i` shows.
   */
  onResponseHead?: (head: string, url: URL) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Interim (1xx) responses read before the final one; a server sending more is refused. */
const MAX_INTERIM = 16;
/** The default limit on time without progress (see RequestInit.timeoutMs). */
const DEFAULT_IDLE_MS = 30_000;
/** RFC 9110 §9.1: a method is a token. */
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9112 §4: reason-phrase = *( HTAB / SP / VCHAR / obs-text ). */
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;
/** TLS options that identify the client or pin the server: dropped on a redirect to another origin. */
const ORIGIN_BOUND_TLS = ['cert', 'key', 'passphrase', 'serverName', 'servername', 'session', 'sessionKey'] as const;
const enc = new TextEncoder();

function targetOf(url: URL): Target {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TlsError('config_invalid', `unsupported URL scheme ${url.protocol}`);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { protocol: url.protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

async function bodyBytes(body: RequestBody | null | undefined): Promise<Uint8Array | ReadableStream<Uint8Array> | null> {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return enc.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof URLSearchParams) return enc.encode(body.toString());
  return body;
}

function buildHead(method: string, url: URL, headers: Headers, body: Uint8Array | ReadableStream<Uint8Array> | null): Uint8Array {
  const h = new Headers(headers);
  if (!h.has('host')) h.set('host', url.host);
  if (!h.has('accept')) h.set('accept', '*/*');
  if (!h.has('user-agent')) h.set('user-agent', 'puretls');
  h.set('connection', 'close');
  h.delete('transfer-encoding');
  h.delete('content-length');
  if (body instanceof Uint8Array) {
    if (body.length || !['GET', 'HEAD'].includes(method)) h.set('content-length', String(body.length));
  } else if (body) {
    h.set('transfer-encoding', 'chunked');
  }
  if (body instanceof URLSearchParams && !h.has('content-type')) h.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [k, v] of h) head += `${k}: ${v}\r\n`;
  return enc.encode(head + '\r\n');
}

async function sendBody(w: WritableStreamDefaultWriter<Uint8Array>, body: Uint8Array | ReadableStream<Uint8Array> | null): Promise<void> {
  if (body instanceof Uint8Array) {
    if (body.length) await w.write(body);
    return;
  }
  if (!body) return;
  const r = body.getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    if (!value.length) continue;
    await w.write(enc.encode(`${value.length.toString(16)}\r\n`));
    await w.write(value);
    await w.write(enc.encode('\r\n'));
  }
  await w.write(enc.encode('0\r\n\r\n'));
}

/** One request/response exchange on a fresh connection. */
async function exchange(
  url: URL,
  method: string,
  headers: Headers,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  raw: ByteStream,
  init: RequestInit,
  tlsOptions: RequestInit['tls'],
  signal: AbortSignal,
  progress: () => void,
): Promise<Response> {
  let stream: ByteStream & { close?: () => Promise<void>; readonly truncated?: boolean } = raw;
  if (url.protocol === 'https:') {
    const host = targetOf(url).host;
    // An abort during the handshake reports the caller's reason (a timeout's io_timeout, a user's own), not the handshake's.
    const conn = await tlsConnect({ serverName: host, ...tlsOptions, transport: raw, signal }).catch((e) => {
      throw signal.aborted ? signal.reason : e;
    });
    init.onConnection?.(conn, url);
    stream = conn;
  }
  const writer = stream.writable.getWriter();
  const reader = new ByteReader(stream.readable.getReader(), signal);
  const release = () => {
    writer.releaseLock();
    // A TLS connection sends close_notify; a plain stream just ends.
    void (stream.close ? stream.close() : stream.writable.close()).catch(() => {});
    void reader.cancel();
  };
  const onAbort = () => release();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await writer.write(buildHead(method, url, headers, body));
    // The body goes out while the response is read: a server may answer (e.g. 413) before taking all of it.
    const sending = sendBody(writer, body);
    sending.catch(() => {});
    let head = await readHead(reader);
    init.onResponseHead?.(head.raw, url);
    for (let interim = 0; head.status >= 100 && head.status < 200; interim++) {
      // We never ask to switch protocols: what follows a 101 is not HTTP/1.1, and must not be read as a response.
      if (head.status === 101) throw new TlsError('http_protocol', 'the server switched protocols (101) without being asked to');
      if (interim >= MAX_INTERIM) throw new TlsError('http_protocol', `more than ${MAX_INTERIM} interim (1xx) responses`);
      head = await readHead(reader);
      init.onResponseHead?.(head.raw, url);
    }
    if (head.status < 200 || head.status > 599) throw new TlsError('http_protocol', `status ${head.status} is outside 100-599`);
    if (!REASON.test(head.statusText)) throw new TlsError('http_protocol', `invalid reason phrase ${JSON.stringify(head.statusText.slice(0, 80))}`);
    progress();
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      release();
    };
    const status = head.status;
    const h = new Headers();
    for (const [k, v] of head.headers) {
      try {
        h.append(k, v);
      } catch {
        throw new TlsError('http_protocol', `invalid value for header ${k}`);
      }
    }
    // Over TLS, a body that ends with the connection needs the server's close_notify (a plain stream has none).
    const stream2 = bodyStream(reader, framing(head, method), done, () => stream.truncated === true);
    const res = new Response(status === 204 || status === 205 || status === 304 ? null : stream2, {
      status,
      statusText: head.statusText,
      headers: h,
    });
    Object.defineProperty(res, 'url', { value: url.href });
    return res;
  } catch (e) {
    signal.removeEventListener('abort', onAbort);
    release();
    throw signal.aborted ? signal.reason : e;
  }
}

/**
 * fetch()-like HTTP/1.1 over puretls: `request(url, { connect })` or `request(url, { transport })`.
 * Verification follows `tls` (default: required, against the system bundle on Node; pass `tls.ca` in browsers).
 */
export async function request(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (typeof Request !== 'undefined' && input instanceof Request) {
    // fetch()'s rule: what init gives wins over the Request's own method, headers, body and signal.
    const req = input;
    const body = init.body !== undefined ? init.body : req.body ? new Uint8Array(await req.arrayBuffer()) : null;
    const signal = init.signal ?? req.signal;
    init = { ...init, method: init.method ?? req.method, headers: init.headers ?? req.headers, body, ...(signal ? { signal } : {}) };
    input = req.url;
  }
  let url = new URL(input as string | URL);
  const rawMethod = init.method ?? 'GET';
  // Anything but a token would be written into the request line as is: CR/LF there splits the request.
  if (typeof rawMethod !== 'string' || !METHOD.test(rawMethod)) throw new TlsError('config_invalid', `invalid HTTP method ${JSON.stringify(rawMethod)}`);
  let method = rawMethod.toUpperCase();
  let tlsOptions = init.tls;
  let headers = new Headers(init.headers);
  let body = await bodyBytes(init.body);
  if (body && (method === 'GET' || method === 'HEAD')) throw new TlsError('config_invalid', `a ${method} request cannot have a body`);
  const maxRedirects = init.maxRedirects ?? 5;
  const ctl = new AbortController();
  const onUserAbort = () => ctl.abort(init.signal!.reason);
  if (init.signal?.aborted) throw init.signal.reason;
  init.signal?.addEventListener('abort', onUserAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (init.timeoutMs !== undefined && init.timeoutMs > 0) {
    timer = setTimeout(() => ctl.abort(new TlsError('io_timeout', `the request to ${url.host} took longer than ${init.timeoutMs} ms`)), init.timeoutMs);
  }
  // Without timeoutMs: a limit on time without progress, re-armed by each response head and piece of the body.
  let finished = false;
  const progress = () => {
    if (init.timeoutMs !== undefined || finished) return;
    if (timer) clearTimeout(timer);
    const host = url.host;
    timer = setTimeout(() => ctl.abort(new TlsError('io_timeout', `no progress from ${host} in ${DEFAULT_IDLE_MS} ms`)), DEFAULT_IDLE_MS);
  };
  progress();
  const cleanup = () => {
    finished = true;
    if (timer) clearTimeout(timer);
    init.signal?.removeEventListener('abort', onUserAbort);
  };
  // Without connect: the platform's TCP (the Node entry installs it), so request(url) just works on Node.
  const openTcp = platform().openTcp;
  const open = init.connect ?? (openTcp ? (t: Target) => openTcp({ host: t.host, port: t.port, signal: ctl.signal }) : undefined);
  try {
    let transport = init.transport;
    for (let hop = 0; ; hop++) {
      const raw = transport ?? (open ? await open(targetOf(url)) : undefined);
      transport = undefined;
      if (!raw) throw new TlsError('config_invalid', 'request() needs init.transport or init.connect (on Node, the Node entry opens TCP itself)');
      if (ctl.signal.aborted) throw ctl.signal.reason;
      const res = await exchange(url, method, headers, body, raw, init, tlsOptions, ctl.signal, progress);
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location || (init.redirect ?? 'manual') === 'manual') {
        if (hop > 0) Object.defineProperty(res, 'redirected', { value: true });
        return withCleanup(res, cleanup, progress);
      }
      await res.body?.cancel();
      if (init.redirect === 'error') throw new TlsError('http_protocol', `redirected (${res.status}) to ${location} with redirect: 'error'`);
      if (hop >= maxRedirects) throw new TlsError('http_protocol', `more than ${maxRedirects} redirects`);
      if (!open) throw new TlsError('http_protocol', `following the redirect to ${location} needs init.connect`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new TlsError('http_protocol', `invalid Location ${JSON.stringify(location.slice(0, 200))}`);
      }
      if (url.protocol === 'https:' && next.protocol !== 'https:') {
        throw new TlsError('http_protocol', `refusing to follow a redirect from https: to ${next.protocol}`);
      }
      // Fetch's rules: 303 (and 301/302 after POST) become GET without a body; 307/308 repeat the request.
      if (res.status === 303 ? method !== 'HEAD' : (res.status === 301 || res.status === 302) && method === 'POST') {
        method = 'GET';
        body = null;
        headers = new Headers(headers);
        for (const k of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(k);
      } else if (body instanceof ReadableStream) {
        throw new TlsError('http_protocol', `a ${res.status} redirect would resend a streamed body, which cannot be replayed`);
      }
      if (next.origin !== url.origin) {
        headers = new Headers(headers);
        for (const k of ['authorization', 'proxy-authorization', 'cookie', 'host']) headers.delete(k);
        // The client certificate is for the origin it was given for; a name pinned for it is not the next host's.
        if (tlsOptions) {
          const rest: Record<string, unknown> = { ...tlsOptions };
          for (const k of ORIGIN_BOUND_TLS) delete rest[k];
          tlsOptions = rest as RequestInit['tls'];
        }
      }
      url = next;
    }
  } catch (e) {
    cleanup();
    throw e;
  }
}

/** Keep the timeout armed until the body has been read (or cancelled), then disarm it. */
function withCleanup(res: Response, cleanup: () => void, progress: () => void): Response {
  if (!res.body) {
    cleanup();
    return res;
  }
  const reader = res.body.getReader();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            cleanup();
            c.close();
          } else {
            progress();
            c.enqueue(value);
          }
        } catch (e) {
          cleanup();
          c.error(e);
        }
      },
      cancel(reason) {
        cleanup();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(out, 'url', { value: res.url });
  if (res.redirected) Object.defineProperty(out, 'redirected', { value: true });
  return out;
}
