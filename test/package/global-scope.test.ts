/**
 * Importing the library does no I/O, sets no timer and draws no random values: Cloudflare Workers (workerd) refuse
 * all three in a module's global scope, so one such call at import breaks every Worker before its handler runs.
 * (The workerd test in installed.test.ts shows it end to end; this one names the culprit in seconds.)
 * @noble/curves probes getRandomValues at import inside a try/catch and copes with a refusal, so a refusing
 * getRandomValues is what this test installs, and any caller that does not cope fails the import.
 */
import { describe, it, expect } from 'vitest';

describe('global scope', () => {
  it('importing the portable entry draws no random values and starts no timer', async () => {
    const calls: string[] = [];
    const refuse = (what: string) => {
      const stack = new Error().stack ?? '';
      // noble's probe catches the refusal by design; anything else is a global-scope call.
      if (!stack.includes('probeRandomBytes')) calls.push(`${what}\n${stack.split('\n').slice(2, 6).join('\n')}`);
      throw new Error(`Disallowed operation called within global scope (${what})`);
    };
    const saved = { grv: crypto.getRandomValues, setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval };
    crypto.getRandomValues = (() => refuse('crypto.getRandomValues')) as typeof crypto.getRandomValues;
    let loaded: Record<string, unknown> | undefined;
    try {
      globalThis.setTimeout = ((..._a: unknown[]) => refuse('setTimeout')) as unknown as typeof setTimeout;
      globalThis.setInterval = ((..._a: unknown[]) => refuse('setInterval')) as unknown as typeof setInterval;
      loaded = await import('../../src/web.js').catch((e: Error) => {
        calls.push(`import failed: ${e.message}`);
        return undefined;
      });
    } finally {
      crypto.getRandomValues = saved.grv;
      globalThis.setTimeout = saved.setTimeout;
      globalThis.setInterval = saved.setInterval;
    }
    expect(calls).toEqual([]);
    expect(typeof loaded?.connect).toBe('function');
  });
});
