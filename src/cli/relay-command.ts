/** `puretls relay`: run the WebSocket ↔ TCP relay until interrupted, logging tunnels and byte counts. */
import { TlsError } from '../errors.js';
import { parseArgs, hostPort, numberOption } from './args.js';
import { startRelay } from './relay.js';

export const RELAY_USAGE = `usage: puretls relay --allow HOST:PORT[,HOST:PORT...] [--listen 127.0.0.1:PORT]
  A browser opens ws://LISTEN/HOST:PORT (or /?target=HOST:PORT); only --allow targets are reachable.
  --listen defaults to 127.0.0.1:8080 (port 0 picks one). --quiet: no per-connection lines.
  --origin ORIGIN[,ORIGIN...]  web pages allowed to open tunnels, e.g. https://app.example:8443 ('*': any page).
                      Default: pages served from this machine (http(s)://localhost, 127.x.x.x, [::1], any port);
                      a page from any other origin gets 403. Clients that send no Origin (not browsers) pass.
  --max-tunnels N     tunnels open at once, more get 503 (default 64)
  --connect-timeout MS  time to reach the target (default 10000)
  --idle-timeout MS   close a tunnel idle this long (default 300000; 0: never)`;

export async function relayCommand(argv: string[]): Promise<number> {
  const { opts } = parseArgs(
    argv,
    { listen: 'string', allow: 'list', origin: 'list', 'max-tunnels': 'string', 'connect-timeout': 'string', 'idle-timeout': 'string', quiet: 'bool', help: 'bool' },
    { '-h': 'help' },
  );
  if (opts.help) {
    process.stdout.write(RELAY_USAGE + '\n');
    return 0;
  }
  const allow = ((opts.allow as string[] | undefined) ?? []).flatMap((a) => a.split(',')).filter(Boolean);
  if (!allow.length) throw new TlsError('config_invalid', 'relay needs --allow HOST:PORT (it is never an open proxy)');
  const origins = opts.origin ? (opts.origin as string[]).flatMap((a) => a.split(',')).filter(Boolean) : undefined;
  const maxTunnels = numberOption(opts['max-tunnels'], '--max-tunnels');
  const connectTimeoutMs = numberOption(opts['connect-timeout'], '--connect-timeout');
  const idleTimeoutMs = numberOption(opts['idle-timeout'], '--idle-timeout');
  const { host, port } = hostPort((opts.listen as string | undefined) ?? '127.0.0.1:8080', '--listen');
  const relay = await startRelay({
    host,
    port,
    allow,
    ...(origins ? { origins } : {}),
    ...(maxTunnels !== undefined ? { maxTunnels } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    // Refusals are logged even with --quiet: they are what an operator needs to see.
    log: opts.quiet ? (l: string) => l.startsWith('refused') && process.stderr.write(`relay: ${l}\n`) : (l: string) => process.stderr.write(`relay: ${l}\n`),
  });
  process.stderr.write(`puretls relay listening on ws://${host.includes(':') ? `[${host}]` : host}:${relay.port}/ → ${allow.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const s = relay.stats();
  process.stderr.write(`relay: ${s.connections} tunnels (${s.refused} refused), ${s.bytesUp} bytes up, ${s.bytesDown} bytes down\n`);
  await relay.close();
  return 0;
}
