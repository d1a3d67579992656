/**
 * The records `alb-iceberg query` loads: each input parsed as `alb-iceberg parse` parses it (the pipeline's own
 * parser, the log type its name says or `--type`), and the encoded JSON records, the exact bytes the Lambda sends to
 * Firehose, written as NDJSON, one file per log type, for the engine to read. What is not loaded is reported on
 * stderr: rejected lines (counts and the first few), files that are no log, damaged files.
 */
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { newObjectStats, parseLogObject } from '../../lambda/parser/parse-object';
import { describeLogKey } from '../../lambda/s3/log-key';
import { logSchemaOf } from '../../lambda/schema/log-types';
import type { LogTypeId } from '../../lambda/schema/types';
import { type CliIo, write } from '../io';
import type { Input } from '../parse-inputs';

const NEWLINE = Buffer.from('\n');
const SAMPLE_REJECTS = 3;

/** The NDJSON records of one log type, in a file of the working directory. */
export interface TypeRecords {
  readonly logType: LogTypeId;
  readonly path: string;
  /** The input files of this type. */
  files: number;
  records: number;
  rejects: number;
}

/** What reading the inputs gave. */
export interface ReadRecords {
  /** By log type, in the order the types were first met. */
  readonly byType: ReadonlyMap<LogTypeId, TypeRecords>;
  /** Inputs read only up to damage (truncated gzip...). */
  readonly damaged: number;
}

/**
 * Parses every input into `dir` (`<log type>.ndjson`); reports on stderr what is not loaded.
 * @param logType `--type`: the log type of every input, whatever its name
 */
export async function readRecords(
  inputs: readonly Input[],
  logType: LogTypeId | undefined,
  dir: string,
  io: CliIo,
): Promise<ReadRecords> {
  const byType = new Map<LogTypeId, TypeRecords>();
  const outs = new Map<LogTypeId, WriteStream>();
  let damaged = 0;
  let samplesShown = 0;
  let writeError: Error | undefined;
  try {
    for (const file of inputs) {
      const key = file === '-' ? 'stdin' : basename(file);
      const described = describeLogKey(key);
      if (logType === undefined && (described.kind === 'elb-test-file' || described.kind === 'cloudwatch-delivery')) {
        io.err(`alb-iceberg query: ${file}: skipped, it is named like an ${described.kind}, not a log file\n`);
        continue;
      }
      // As in parse: a name of its own is read as an ALB access log.
      const type = logType ?? described.logType ?? 'alb-access';
      let entry = byType.get(type);
      if (!entry) {
        entry = { logType: type, path: join(dir, `${type}.ndjson`), files: 0, records: 0, rejects: 0 };
        byType.set(type, entry);
        const out = createWriteStream(entry.path);
        out.on('error', (e) => {
          writeError ??= e;
        });
        outs.set(type, out);
      }
      entry.files++;
      const out = outs.get(type)!;
      const body = file === '-' ? io.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
      const stats = newObjectStats();
      let firstReason: string | undefined;
      try {
        for await (const chunk of parseLogObject(body, { key, stats, logType: type })) {
          if (chunk.records.length > 0) {
            const lines: Uint8Array[] = [];
            for (const r of chunk.records) lines.push(r.data, NEWLINE);
            await write(out, Buffer.concat(lines));
          }
          for (const reject of chunk.rejects) {
            firstReason ??= reject.reason;
            if (samplesShown++ < SAMPLE_REJECTS) io.err(`rejected ${file}:${reject.line}: ${reject.reason}\n`);
          }
        }
      } catch (e) {
        io.err(
          `alb-iceberg query: ${file}: unreadable after line ${stats.lines}: ${(e as Error).message}` +
            ` (its ${stats.records} records before the damage are loaded)\n`,
        );
        damaged++;
      } finally {
        if (body !== io.stdin) (body as ReadStream).destroy();
      }
      entry.records += stats.records;
      entry.rejects += stats.rejects;
      if (stats.records === 0 && stats.rejects > 0) {
        io.err(
          `alb-iceberg query: ${file}: not ${logSchemaOf(type).title}: none of its ${stats.rejects} lines parsed` +
            ` (${firstReason}). Name it as AWS names log files, or give --type\n`,
        );
      }
    }
  } finally {
    await Promise.allSettled([...outs.values()].map((o) => finished(o.end())));
  }
  if (writeError) throw new Error(`writing the records to ${dir} failed: ${writeError.message}`);
  return { byType, damaged };
}
