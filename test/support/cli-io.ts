/** A CliIo that captures what a command writes, for CLI tests that call a command in-process. */
import { Readable } from 'node:stream';
import type { CliIo } from '../../bin/io';

export interface CapturedIo {
  readonly io: CliIo;
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

export function captureIo(stdin = ''): CapturedIo {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      out: (t) => {
        stdout += typeof t === 'string' ? t : Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('utf8');
      },
      err: (t) => {
        stderr += t;
      },
      stdin: Readable.from(stdin === '' ? [] : [Buffer.from(stdin)]),
    },
    out: () => stdout,
    err: () => stderr,
  };
}
