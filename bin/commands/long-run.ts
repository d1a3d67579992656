/**
 * What every long-running command sets up the same way: a progress line on stderr (only on a terminal) and Ctrl-C
 * handling that asks the work to stop cleanly (a second Ctrl-C quits at once). Tests pass their own signal, and
 * then no handler is installed.
 */

import type { CliIo } from '../io';
import { type Interrupt, onInterrupt } from '../ops/interrupt';
import { ProgressLine } from '../ops/progress';

export interface LongRunDeps {
  /** Whether stderr is a terminal (default: process.stderr.isTTY). */
  readonly stderrIsTTY?: boolean;
  readonly now?: () => number;
  /** Stops the command; when given, no SIGINT handler is installed. */
  readonly signal?: AbortSignal;
}

export interface LongRun {
  readonly progress: ProgressLine;
  /** The caller's signal, or the one Ctrl-C aborts. */
  readonly signal: AbortSignal | undefined;
  /** Removes the Ctrl-C handler (call in a finally). */
  dispose(): void;
}

/** @param interruptMessage printed on the first Ctrl-C, e.g. "alb-iceberg x: interrupted, stopping after ...". */
export function startLongRun(io: CliIo, deps: LongRunDeps, interruptMessage: string): LongRun {
  const progress = new ProgressLine((t) => io.err(t), {
    tty: deps.stderrIsTTY ?? process.stderr.isTTY === true,
    ...(deps.now ? { now: deps.now } : {}),
  });
  const interrupt: Interrupt | undefined = deps.signal
    ? undefined
    : onInterrupt((m) => io.err(`\n${m}\n`), interruptMessage);
  return { progress, signal: deps.signal ?? interrupt?.signal, dispose: () => interrupt?.dispose() };
}
