/** `puretls relay`: run the WebSocket ↔ TCP relay until interrupted, logging tunnels and byte counts. */
import { TlsError } from '../errors.js';
import { parseArgs, hostPort } from './args.js';
import { startRelay } from './relay.js';

export const RELAY_USAGE = `usage: puretls relay --allow HOST:PORT[,HOST:PORT...] [--listen 127.0.0.1:PORT]
  A browser opens ws://LISTEN/HOST:PORT (or /?target=HOST:PORT); only --allow targets are reachable.
  --listen defaults to 127.0.0.1:8080 (port 0 picks one). --quiet: no per-connection lines.`;

export async function relayCommand(argv: string[]): Promise<number> {
  const { opts } = parseArgs(argv, { listen: 'string', allow: 'list', quiet: 'bool', help: 'bool' }, { '-h': 'help' });
  if (opts.help) {
    process.stdout.write(RELAY_USAGE + '\n');
    return 0;
  }
  const allow = ((opts.allow as string[] | undefined) ?? []).flatMap((a) => a.split(',')).filter(Boolean);
  if (!allow.length) throw new TlsError('config_invalid', 'relay needs --allow HOST:PORT (it is never an open proxy)');
  const { host, port } = hostPort((opts.listen as string | undefined) ?? '127.0.0.1:8080', '--listen');
  const relay = await startRelay({ host, port, allow, ...(opts.quiet ? {} : { log: (l: string) => process.stderr.write(`relay: ${l}\n`) }) });
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
