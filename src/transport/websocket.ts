/**
 * A WebSocket as a ByteStream: the browser's WebSocket, or the `ws` package's (same event API). Each TLS write goes
 * out as one binary frame; text frames are refused, since a tunnel carries bytes only.
 */
import { isGivenUp, type ByteStream } from './types.js';
import { TlsError } from '../errors.js';

/** The subset of the WHATWG WebSocket interface used here; `ws`'s WebSocket satisfies it too. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  /**
   * ArrayBuffer-backed, as the DOM's WebSocket.send takes it (its BufferSource excludes SharedArrayBuffer views);
   * with plain Uint8Array a browser's WebSocket did not type-check as a WebSocketLike.
   */
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: any) => void): void;
  removeEventListener(type: string, listener: (ev: any) => void): void;
  /** `ws` only: stop reading from the socket (backpressure on the receiving side). */
  pause?(): void;
  resume?(): void;
}

export interface WebSocketStreamOptions {
  /** Writes wait while more than this many bytes are queued in the socket (default 1 MiB). */
  highWaterMark?: number;
  /** How often to look at bufferedAmount while waiting: browsers fire no 'drain' event (default 10 ms). */
  pollMs?: number;
}

const CONNECTING = 0;
const OPEN = 1;
/** Close codes a peer uses for an orderly end: normal closure, and "no status" (a close frame without a code). */
const CLEAN_CLOSE = new Set([1000, 1005]);
/** Sent when our side is aborted (an application code: browsers only let scripts send 1000 and 3000–4999). */
export const ABORT_CLOSE_CODE = 4000;

function closeError(code: number, reason: string): TlsError {
  const why = reason ? `: ${reason}` : '';
  return new TlsError('io_transport', `the WebSocket closed with code ${code}${why}`);
}

function toBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // `ws` with several fragments and binaryType 'fragments' would hand over an array; we set 'arraybuffer'.
  return null;
}

/**
 * Wrap a WebSocket (connecting or open). The readable ends on a clean close (1000/1005) and errors with an
 * io_transport TlsError on any other code; closing the writable closes the socket with 1000, aborting it with 4000.
 */
export function webSocketStream(ws: WebSocketLike, opts: WebSocketStreamOptions = {}): ByteStream {
  const highWaterMark = opts.highWaterMark ?? 1 << 20;
  const pollMs = opts.pollMs ?? 10;
  ws.binaryType = 'arraybuffer';

  let closed: { code: number; reason: string } | null = ws.readyState > OPEN ? { code: 1006, reason: 'already closed' } : null;
  const closedWaiters: (() => void)[] = [];
  // An 'error' listener is always there: the `ws` package throws an 'error' event nobody listens to, which ends the
  // process (a refused TCP connection, a relay's 403). 'error' is followed by 'close' (1006), which reports it; the
  // `ws` package says what went wrong, browsers do not.
  let lastError = '';
  ws.addEventListener('error', (ev: { message?: unknown; error?: unknown }) => {
    const m = typeof ev?.message === 'string' ? ev.message : ev?.error instanceof Error ? ev.error.message : '';
    if (m) lastError = m;
  });
  const onClose = (ev: { code: number; reason?: string }) => {
    closed ??= { code: ev.code, reason: ev.reason || lastError };
    for (const w of closedWaiters.splice(0)) w();
  };
  ws.addEventListener('close', onClose);
  const whenClosed = () => new Promise<void>((resolve) => (closed ? resolve() : closedWaiters.push(resolve)));

  const opened = new Promise<void>((resolve, reject) => {
    if (ws.readyState === OPEN) return resolve();
    if (ws.readyState !== CONNECTING) return reject(new TlsError('io_closed', 'the WebSocket is closed'));
    const onOpen = () => {
      ws.removeEventListener('close', onFail);
      resolve();
    };
    const onFail = (ev: { code: number; reason?: string }) => {
      ws.removeEventListener('open', onOpen);
      const why = ev.reason || lastError;
      reject(new TlsError('io_transport', `the WebSocket did not open (code ${ev.code}${why ? `: ${why}` : ''})`));
    };
    ws.addEventListener('open', onOpen);
    ws.addEventListener('close', onFail);
  });
  // The readable reports a failed open itself; this only keeps an unobserved rejection quiet.
  opened.catch(() => {});

  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let done = false;
        const finish = (err?: TlsError) => {
          if (done) return;
          done = true;
          if (err) controller.error(err);
          else controller.close();
        };
        ws.addEventListener('message', (ev: { data: unknown }) => {
          if (done) return;
          const bytes = toBytes(ev.data);
          if (!bytes) {
            finish(new TlsError('io_transport', 'the WebSocket peer sent a text frame; a byte tunnel needs binary frames'));
            ws.close(ABORT_CLOSE_CODE, 'binary frames only');
            return;
          }
          controller.enqueue(bytes);
          if ((controller.desiredSize ?? 1) <= 0) ws.pause?.();
        });
        // 'error' is always followed by 'close' (with 1006 when abnormal), which carries the detail.
        const onEnd = () => {
          const c = closed!;
          finish(CLEAN_CLOSE.has(c.code) ? undefined : closeError(c.code, c.reason));
        };
        if (closed) onEnd();
        else ws.addEventListener('close', onEnd);
      },
      pull() {
        ws.resume?.();
      },
      cancel() {
        if (!closed) ws.close(1000);
      },
    },
    { highWaterMark: 4 },
  );

  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      await opened;
      if (closed || ws.readyState !== OPEN) throw new TlsError('io_closed', 'the WebSocket is closed');
      // Chunks are never views of shared memory here: every buffer this library makes is ArrayBuffer-backed.
      // The `ws` package keeps the buffer until it is on the socket (server-side frames are not masked, so not
      // copied), and the writer may reuse it once this write resolves: a copy, unless the writer gave it up.
      ws.send((isGivenUp(chunk) ? chunk : chunk.slice()) as Uint8Array<ArrayBuffer>);
      while (ws.bufferedAmount > highWaterMark && ws.readyState === OPEN) {
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    async close() {
      await opened.catch(() => {});
      if (!closed && ws.readyState <= OPEN) ws.close(1000);
      await whenClosed();
    },
    abort() {
      if (!closed && ws.readyState <= OPEN) ws.close(ABORT_CLOSE_CODE, 'aborted');
    },
  });
  return { readable, writable };
}
