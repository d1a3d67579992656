/**
 * `alb-iceberg parse`: runs the pipeline's own parser over local files and prints exactly the records the Lambda
 * would send to Firehose, one JSON object per line.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { newObjectStats, type ObjectStats, parseLogObject } from '../../lambda/parser/parse-object';
import { describeLogKey } from '../../lambda/s3/log-key';
import { readArgs, usageError } from '../args';
import { type CliIo, OutputClosed } from '../io';

/**
 * Firehose's per-GB ingestion price for Iceberg destinations (first tier, us-east-1), used only for the estimate.
 * Unverified third-party figure (../shared/AWS-NOTES.md); check https://aws.amazon.com/firehose/pricing/.
 */
export const DEFAULT_PRICE_PER_GB = 0.075;
const SAMPLE_REJECTS = 3;
const NEWLINE = Buffer.from('\n');

const HELP = `Usage: alb-iceberg parse [--key S3_KEY] [--rejects FILE] [--price-per-gb USD] FILE...

Parses ALB access-log files (.log.gz or plain text; '-' reads stdin) with the pipeline's own parser and writes to
stdout one line per record: exactly the JSON the ingest Lambda sends to Firehose.

Options:
  --key S3_KEY        S3 key to take file metadata from (account_id, region, source_file). Default: the file's
                      name, which works for files named as ALB names them. Only with a single FILE.
  --rejects FILE      Write rejected lines as NDJSON {file, line, reason, raw}. Without it, rejects are counted
                      and the first ${SAMPLE_REJECTS} are shown on stderr.
  --price-per-gb USD  Firehose price per GB ingested, for the cost estimate. Default: ${DEFAULT_PRICE_PER_GB}.
  -h, --help          Show this help.

A summary goes to stderr: lines, records, rejects, lines with extra (unknown) fields, bytes read, raw log bytes,
record bytes, Firehose bytes per raw log byte, and the estimated Firehose cost.
Connection logs, health-check logs, NLB/Classic logs and the ELB test file are recognised by name and skipped, as
the pipeline does.

Exit codes: 0 success (rejected lines are not an error), 1 unreadable input, 2 usage error.`;

export async function runParse(argv: string[], io: CliIo): Promise<number> {
  const parsed = await readArgs(() => parseOptions(argv), 'parse', HELP, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const price = Number(values['price-per-gb'] ?? DEFAULT_PRICE_PER_GB);
  const problem =
    positionals.length === 0
      ? 'no FILE given'
      : values.key !== undefined && positionals.length > 1
        ? '--key applies to one FILE only'
        : !(price >= 0)
          ? `--price-per-gb must be a non-negative number, got '${values['price-per-gb']}'`
          : undefined;
  if (problem) return usageError(io, 'parse', HELP, problem);
  for (const file of positionals) {
    if (file === '-') continue;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      io.err(`alb-iceberg parse: cannot read '${file}': no such file\n`);
      return 1;
    }
  }

  const rejectsOut = values.rejects ? createWriteStream(values.rejects) : undefined;
  const total = newObjectStats();
  let recordBytes = 0;
  let samplesShown = 0;
  let skipped = 0;
  try {
    for (const file of positionals) {
      const key = values.key ?? (file === '-' ? 'stdin' : basename(file));
      const kind = describeLogKey(key).kind;
      if (kind !== 'alb-access-log' && kind !== 'not-an-elb-log') {
        io.err(`alb-iceberg parse: ${file}: skipped, it is named like an ${kind}, not an access log\n`);
        skipped++;
        continue;
      }
      const body = file === '-' ? io.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
      const stats = newObjectStats();
      try {
        for await (const chunk of parseLogObject(body, { key, stats })) {
          if (chunk.records.length > 0) {
            const lines: Uint8Array[] = [];
            for (const r of chunk.records) {
              lines.push(r.data, NEWLINE);
              recordBytes += r.data.length;
            }
            await io.out(Buffer.concat(lines));
          }
          for (const reject of chunk.rejects) {
            const entry = { ...reject, file };
            if (rejectsOut) await writeLine(rejectsOut, JSON.stringify(entry));
            else if (samplesShown++ < SAMPLE_REJECTS) io.err(`rejected ${file}:${reject.line}: ${reject.reason}\n`);
          }
        }
      } catch (e) {
        if (e instanceof OutputClosed) return 0;
        io.err(
          `alb-iceberg parse: ${file}: unreadable after line ${stats.lines}: ${(e as Error).message}` +
            ` (${stats.records} records before the damage were printed)\n`,
        );
        addStats(total, stats);
        io.err(summary(total, recordBytes, price, positionals.length, skipped));
        return 1;
      }
      addStats(total, stats);
    }
  } finally {
    if (rejectsOut) await new Promise<void>((resolve) => rejectsOut.end(() => resolve()));
  }
  io.err(summary(total, recordBytes, price, positionals.length, skipped));
  return 0;
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: 'string' },
      rejects: { type: 'string' },
      'price-per-gb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}

function addStats(total: ObjectStats, s: ObjectStats): void {
  for (const k of Object.keys(total) as (keyof ObjectStats)[]) total[k] += s[k];
}

/** The stderr summary. Exported for tests. */
export function summary(s: ObjectStats, recordBytes: number, pricePerGb: number, files: number, skipped = 0): string {
  const ratio = s.rawBytes > 0 ? recordBytes / s.rawBytes : 0;
  const cost = (recordBytes / 1e9) * pricePerGb;
  const perTb = ratio * 1000 * pricePerGb;
  return [
    `files: ${files}${skipped ? ` (${skipped} skipped: not access logs)` : ''}`,
    `lines: ${s.lines} (blank: ${s.blankLines})`,
    `records: ${s.records}`,
    `rejects: ${s.rejects}`,
    `extra-field lines: ${s.extraFieldLines}`,
    `bytes in: ${s.compressedBytes}, raw log bytes: ${s.rawBytes}, record bytes: ${recordBytes}`,
    `firehose bytes per raw byte: ${ratio.toFixed(3)}`,
    `estimated firehose cost: $${cost.toFixed(6)} at $${pricePerGb}/GB ($${perTb.toFixed(2)} per TB of raw log)`,
    '',
  ].join('\n');
}
