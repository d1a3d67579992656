/**
 * The pipelines the benchmark compares, each from a gzipped file on disk to its end product. Shared by the timed
 * runs (bench/run.ts) and the peak-RSS child process (bench/rss-child.ts).
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { parse as csvParse } from 'csv-parse';
import type { ParserEngine } from '../lambda/parser/line-encoder';
import { LineParser } from '../lambda/parser/line-parser';
import { newObjectStats, parseLogObject } from '../lambda/parser/parse-object';
import { FieldOffsets, tokenize } from '../lambda/parser/tokenize';
import { decompressed } from '../lambda/reader/decompress';
import { lineBlocks } from '../lambda/reader/line-blocks';
import { describeLogKey } from '../lambda/s3/log-key';
import { LOG_FIELDS } from '../lambda/schema/alb-access';
import type { LogTypeId } from '../lambda/schema/types';
import { benchKey } from './corpus';

const READ_CHUNK = 256 * 1024;
const open = (file: string) => createReadStream(file, { highWaterMark: READ_CHUNK });

export interface PipelineResult {
  readonly lines: number;
  readonly records: number;
  /** UTF-8 bytes of the encoded records (what Firehose bills). */
  readonly recordBytes: number;
  readonly rawBytes: number;
}

/** The floor: gunzip + split into lines (the product's own splitter), nothing else. */
export async function floorPipeline(file: string): Promise<PipelineResult> {
  const counters = { compressedBytes: 0, rawBytes: 0 };
  let n = 0;
  for await (const block of lineBlocks(decompressed(open(file), counters))) {
    n += 'starts' in block ? block.starts.length : 1;
  }
  return { lines: n, records: 0, recordBytes: 0, rawBytes: counters.rawBytes };
}

/** The product: compressed bytes → encoded Firehose records (with their byte sizes, as the batcher needs). */
export async function parsePipeline(file: string): Promise<PipelineResult> {
  const stats = newObjectStats();
  let recordBytes = 0;
  for await (const chunk of parseLogObject(open(file), { key: benchKey(basename(file)), stats })) {
    for (const r of chunk.records) recordBytes += r.data.length;
  }
  return { lines: stats.lines, records: stats.records, recordBytes, rawBytes: stats.rawBytes };
}

/**
 * The product for any log type, under the key production would see (which names the type and the file identity),
 * with the kernel (ALB access logs only) or the reference parser alone.
 */
export async function typedParsePipeline(
  file: string,
  key: string,
  logType: LogTypeId,
  engine: ParserEngine,
): Promise<PipelineResult> {
  const stats = newObjectStats();
  let recordBytes = 0;
  for await (const chunk of parseLogObject(open(file), { key, stats, logType, engine })) {
    for (const r of chunk.records) recordBytes += r.data.length;
  }
  return { lines: stats.lines, records: stats.records, recordBytes, rawBytes: stats.rawBytes };
}

/**
 * For comparison: csv-parse (streaming, quote-aware) as the tokenizer, its fields handed to the same encoder as a
 * re-joined line. Not a drop-in: csv-parse unescapes backslashes inside quotes (`\x22` would become `x22`), which is
 * why the product has its own tokenizer.
 */
export async function csvParsePipeline(file: string): Promise<PipelineResult> {
  const parser = new LineParser({});
  let n = 0;
  let records = 0;
  let recordBytes = 0;
  const csv = open(file)
    .pipe(createGunzip())
    .pipe(
      csvParse({ delimiter: ' ', quote: '"', escape: '\\', relax_column_count: true, skip_records_with_error: true }),
    );
  for await (const fields of csv as AsyncIterable<string[]>) {
    n++;
    const out = parser.parse(fields.map(requote).join(' '), n);
    if (typeof out === 'string') {
      records++;
      recordBytes += Buffer.byteLength(out);
    }
  }
  return { lines: n, records, recordBytes, rawBytes: 0 };
}

/**
 * Bytes of a naive mapping for reference: every known column as a JSON string (absent values written as "-"),
 * plus the same per-row metadata the product sends (account, region, source file, line number), for the same key.
 * Returns total bytes over the lines of the file.
 */
export async function naiveEncodingBytes(file: string): Promise<number> {
  const names = LOG_FIELDS.map((f) => f.field.replace(/[^a-z_]/g, '_'));
  const meta = describeLogKey(benchKey(basename(file)));
  let bytes = 0;
  const fields = new FieldOffsets(names.length);
  let n = 0;
  for await (const block of lineBlocks(decompressed(open(file), { compressedBytes: 0, rawBytes: 0 }))) {
    if (!('starts' in block)) continue;
    for (let i = 0; i < block.starts.length; i++) {
      const line = block.bytes.toString('utf8', block.starts[i], block.ends[i]);
      if (tokenize(line, fields) !== undefined) continue;
      const row: Record<string, string | number> = {};
      for (let f = 0; f < fields.count; f++) row[names[f]!] = fields.value(line, f);
      row.account_id = meta.accountId ?? '';
      row.region = meta.region ?? '';
      row.source_file = meta.sourceFile;
      row.line_number = ++n;
      bytes += Buffer.byteLength(JSON.stringify(row));
    }
  }
  return bytes;
}

const requote = (v: string) => (v === '' || v.includes(' ') || v.includes('"') ? `"${v.replace(/"/g, '\\"')}"` : v);
