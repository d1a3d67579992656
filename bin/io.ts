/** The CLI's connection to the outside world, injectable so tests can capture output without spawning processes. */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  /** Writes to stdout (text, or bytes that are UTF-8 already), waiting when the consumer is slow (backpressure). */
  out(text: string | Uint8Array): Promise<void> | void;
  /** Writes to stderr. */
  err(text: string): void;
  readonly stdin: Readable;
}

/** Thrown when stdout was closed by its reader (`alb-iceberg parse … | head`): stop quietly. */
export class OutputClosed extends Error {}

export function processIo(): CliIo {
  return {
    out: (text) => write(process.stdout, text),
    err: (text) => {
      process.stderr.write(text);
    },
    stdin: process.stdin,
  };
}

async function write(stream: Writable, text: string | Uint8Array): Promise<void> {
  if (stream.destroyed) throw new OutputClosed();
  const ok = stream.write(text);
  if (!ok) {
    const closed = once(stream, 'close').then(() => {
      throw new OutputClosed();
    });
    await Promise.race([once(stream, 'drain'), closed]);
  }
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.stdout.destroy();
});
