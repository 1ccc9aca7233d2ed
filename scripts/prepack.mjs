#!/usr/bin/env node
/**
 * npm pack / npm publish build what they ship: dist/ from scratch (no stale modules of renamed sources), the
 * TypeScript build, then the browser bundle (dist/browser/puretls.js, the `puretls/bundle` export).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const run = (file, ...args) => execFileSync(file, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
run(process.execPath, path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json');
run(process.execPath, path.join(root, 'scripts/build-browser.mjs'), '--quiet');
