#!/usr/bin/env node
// Runs a TypeScript script of the project (tools, harnesses): bundles it with esbuild
// (npm packages stay external) into a temporary .mjs beside it, then imports it.
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';

const [, , entry, ...args] = process.argv;
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args...]');
  process.exit(2);
}
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const dir = mkdtempSync(join(root, 'node_modules', '.run-ts-'));
const out = join(dir, 'main.mjs');
await build({ entryPoints: [resolve(entry)], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, packages: 'external', sourcemap: 'inline', logLevel: 'error' });
process.argv = [process.argv[0], resolve(entry), ...args];
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('exit', cleanup);
await import(pathToFileURL(out).href);
