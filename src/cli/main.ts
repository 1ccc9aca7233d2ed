#!/usr/bin/env node
/** The `puretls` command: connect, serve, get, relay, conformance. Errors are one line with the TlsError code. */
import { readFileSync } from 'node:fs';
import { TlsError } from '../errors.js';
import { printable } from './escape.js';

const USAGE = `usage: puretls <command> [options]      (puretls <command> --help for its options; puretls --version)
  connect HOST:PORT   TLS client like openssl s_client: summary, then stdin/stdout over the connection
  serve               TLS server like openssl s_server -www (or --echo)
  get URL             an HTTPS request; the body goes to stdout
  relay               WebSocket ↔ TCP relay for browsers, to allowed targets only
  conformance         the interoperability matrix against local peers`;

/**
 * Each command is loaded when it is run, so one command's dependencies (ws for the relay, the peer drivers of the
 * conformance matrix) are never needed to start another, or to print --help and --version.
 */
const COMMANDS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  connect: async () => (await import('./connect.js')).connectCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  get: async () => (await import('./get.js')).getCommand,
  relay: async () => (await import('./relay-command.js')).relayCommand,
  conformance: async () => (await import('./conformance/index.js')).runConformance,
};

/** The version in puretls's package.json: the first one above this module (dist/cli, src/cli or a run-ts bundle). */
export function packageVersion(): string {
  for (let url = new URL('./package.json', import.meta.url); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'puretls' && pkg.version) return pkg.version;
    } catch {
      // No package.json here: keep walking up.
    }
    const up = new URL('../package.json', url);
    if (up.href === url.href) throw new TlsError('internal_error', 'cannot find the package.json of puretls');
    url = up;
  }
}

/** Runs one command line; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd ? 0 : 1;
  }
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    process.stdout.write(`puretls ${packageVersion()}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!load) {
    process.stderr.write(`puretls: unknown command '${cmd}' [config_invalid]\n${USAGE}\n`);
    return 1;
  }
  try {
    const run = await load();
    return await run(rest);
  } catch (e) {
    const code = e instanceof TlsError ? e.code : 'internal_error';
    const msg = e instanceof Error ? e.message : String(e);
    // Messages may quote the peer (names from its certificate): printed escaped, like everything from the peer.
    process.stderr.write(`puretls: ${printable(msg.split('\n')[0]!)} [${code}]\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
    // Streams (stdin, sockets) may keep the loop alive after the command is done.
    setTimeout(() => process.exit(status), 50).unref();
  },
  () => process.exit(1),
);
