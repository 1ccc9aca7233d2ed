/**
 * The bench's watchdog: every step (one implementation × version × metric × row) runs under a deadline, so a step
 * that never settles (once, a full run stopped with the CPU idle at the start of the puretls-node TLS 1.3 section
 * and waited forever) is reported by name and recorded as missing, and the run goes on with the next step.
 *
 * A stalled step is abandoned, not cancelled: whatever it holds stays pending. The figures measured after it are
 * still taken (a stall that idles costs them nothing), and main.ts exits non-zero at the end, by process.exit,
 * since what the step left open could keep the process alive.
 */

/** The deadline of a step whose measuring loop runs `budgetSeconds`: three times that, plus 30 s for setting up. */
export const deadlineMs = (budgetSeconds: number): number => (3 * budgetSeconds + 30) * 1000;

/** Returned by Watchdog.run() in place of the step's value when the deadline passed first. */
export const STALLED: unique symbol = Symbol('stalled');

export interface Stall {
  /** The step's name, e.g. "puretls-node TLSv1.3 full_handshakes_per_s ECDHE_RSA". */
  step: string;
  deadlineMs: number;
  /** The reason recorded for the missing row. */
  why: string;
}

/** The timer functions the watchdog uses (a test passes its own). */
export interface Timers {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class Watchdog {
  /** Every step that missed its deadline, in order. */
  readonly stalls: Stall[] = [];

  constructor(
    private readonly log: (line: string) => void = (line) => console.log(line),
    private readonly timers: Timers = realTimers,
  ) {}

  /**
   * Runs `step` with a deadline of deadlineMs(budgetSeconds). Resolves with its value, or with STALLED once the
   * deadline passes first (the stall is printed and kept in `stalls`). A step that throws before its deadline
   * rejects as before: an error is a failure of the bench, not a stall.
   */
  run<T>(name: string, budgetSeconds: number, step: () => Promise<T>): Promise<T | typeof STALLED> {
    return this.within(name, deadlineMs(budgetSeconds), `3 × its ${budgetSeconds} s budget + 30 s`, step);
  }

  /** run() with a deadline of `ms`, which `how` explains in the recorded reason. */
  async within<T>(name: string, ms: number, how: string, step: () => Promise<T>): Promise<T | typeof STALLED> {
    let handle: unknown;
    const expired = new Promise<typeof STALLED>((resolve) => {
      handle = this.timers.setTimeout(() => resolve(STALLED), ms);
    });
    try {
      const r = await Promise.race([step(), expired]);
      if (r === STALLED) {
        // The abandoned step may still reject later: Promise.race has subscribed to it, so that is no unhandled rejection.
        const why = `stalled: no result within ${ms / 1000} s (${how}); abandoned`;
        this.stalls.push({ step: name, deadlineMs: ms, why });
        this.log(`\nSTALLED: ${name}: ${why}`);
      }
      return r;
    } finally {
      this.timers.clearTimeout(handle);
    }
  }
}
