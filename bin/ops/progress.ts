/**
 * A throttled, self-overwriting progress line for long operator commands. Drawn only on a terminal (a log file or a
 * pipe gets the final summary only), at most once per interval, and erased before anything else is printed.
 */
export interface ProgressLineOptions {
  /** Whether stderr is a terminal. When false, nothing is drawn. */
  readonly tty: boolean;
  /** Minimum time between two draws, in ms (default 1000). */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export class ProgressLine {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly now: () => number;
  private readonly intervalMs: number;
  /** How many times the line was drawn (for tests). */
  draws = 0;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: ProgressLineOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? 1000;
  }

  /** Redraws the line with `text()` if the terminal is a TTY and the interval has passed (text is built lazily). */
  update(text: () => string): void {
    if (!this.options.tty) return;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.drawn = true;
    this.draws++;
    this.write(`\r\x1b[K${text()}`);
  }

  /** Erases the line (call before printing anything else, and at the end). */
  clear(): void {
    if (!this.drawn) return;
    this.write('\r\x1b[K');
    this.drawn = false;
  }
}
