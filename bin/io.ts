/** The CLI's connection to the outside world, injectable so tests can capture output without spawning processes. */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  /** Writes to stdout (text, or bytes that are UTF-8 already), waiting when the consumer is slow (backpressure). */
  out(text: string | Uint8Array): Promise<void> | void;
  /** Writes to stderr. */
  err(text: string): void;
  readonly stdin: Readable;
}

/**
 * Thrown when stdout was closed by its reader (`alb-iceberg parse … | head`): a normal end, like `cat` stops when
 * its reader has what it wanted. Commands stop reading and exit 0.
 */
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

const isClosedPipe = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/**
 * Writes to a stream, waiting for 'drain' when its buffer is full. A reader that goes away (EPIPE, or the stream
 * closed) ends the wait with {@link OutputClosed}, never with the raw EPIPE error.
 */
export async function write(stream: Writable, text: string | Uint8Array): Promise<void> {
  if (stream.destroyed || stream.writableEnded) throw new OutputClosed();
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (e?: unknown) => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
      if (e === undefined) resolve();
      else reject(e);
    };
    const onDrain = () => done();
    const onClose = () => done(new OutputClosed());
    const onError = (e: unknown) => done(isClosedPipe(e) ? new OutputClosed() : e);
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
  });
}

// A reader that closes stdout early (EPIPE) is a normal end: stop writing quietly, whatever write was under way.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (!isClosedPipe(e)) throw e;
  process.stdout.destroy();
});
