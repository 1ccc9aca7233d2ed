#!/usr/bin/env node
/** The `puretls` command: connect, serve, get, relay, conformance. Errors are one line with the TlsError code. */
import { connectCommand } from './connect.js';
import { serveCommand } from './serve.js';
import { getCommand } from './get.js';
import { relayCommand } from './relay-command.js';
import { TlsError } from '../errors.js';

const USAGE = `usage: puretls <command> [options]      (puretls <command> --help for its options)
  connect HOST:PORT   TLS client like openssl s_client: summary, then stdin/stdout over the connection
  serve               TLS server like openssl s_server -www (or --echo)
  get URL             an HTTPS request; the body goes to stdout
  relay               WebSocket ↔ TCP relay for browsers, to allowed targets only
  conformance         the interoperability matrix against local peers`;

/** Loaded on demand: the matrix's peer drivers are not needed by the other commands. */
async function conformance(argv: string[]): Promise<number> {
  const { runConformance } = await import('./conformance/index.js');
  return runConformance(argv);
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  connect: connectCommand,
  serve: serveCommand,
  get: getCommand,
  relay: relayCommand,
  conformance,
};

/** Runs one command line; returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd ? 0 : 1;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    process.stderr.write(`puretls: unknown command '${cmd}' [config_invalid]\n${USAGE}\n`);
    return 1;
  }
  try {
    return await run(rest);
  } catch (e) {
    const code = e instanceof TlsError ? e.code : 'internal_error';
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`puretls: ${msg.split('\n')[0]} [${code}]\n`);
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
