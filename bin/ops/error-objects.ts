/**
 * Reading what the pipeline could not deliver:
 * - Firehose error objects under the error prefix: JSON lines (gzipped or plain), one per failed record, with
 *   `errorCode`, `errorMessage`, `rawData` (base64 of the record as sent), `attemptsMade`, `arrivalTimestamp`, ...
 *   The shape is not fully documented for Iceberg destinations (AWS documents `ErrorCode`/`ErrorMessage` with capital
 *   letters for format-conversion errors), so it is parsed defensively: both spellings are accepted, and a line that is
 *   not JSON or lacks `errorCode` or `rawData` is counted as unparseable, with a sample, never an exception.
 * - Rejects objects under the rejects prefix: gzipped NDJSON `{file, line, reason, raw}` written by the ingest
 *   function (lambda/ingest/rejects-sink.ts), one per source file.
 * and summarising them: counts by error code / normalised reject reason, with a few samples each.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { errorText, type ListedObject, listObjects } from '../../lambda/inventory/s3-objects';
import { MAX_RECORD_BYTES } from '../../lambda/parser/parse-object';
import { type NumberedLine, readObjectLines } from './object-lines';

/** The folder segment under which redriven error objects are kept (see {@link redrivenKey}). */
export const REDRIVEN_SEGMENT = 'redriven';

/** The folder part of a listing prefix: everything up to and including its last '/'. */
export function prefixFolder(prefix: string): string {
  return prefix.slice(0, prefix.lastIndexOf('/') + 1);
}

/**
 * Where a fully redriven error object is moved: `<folder of prefix>redriven/<rest of key>`, e.g.
 * `firehose-errors/redriven/iceberg-failed/2026/11/23/18/file`. It stays under the error prefix, so the lake
 * bucket's expiry rule for that prefix still applies, and listings skip it ({@link isRedrivenKey}).
 */
export function redrivenKey(key: string, prefix: string): string {
  const folder = prefixFolder(prefix);
  return `${folder}${REDRIVEN_SEGMENT}/${key.slice(folder.length)}`;
}

/** Whether a key listed under `prefix` is a redriven object (a folder named `redriven` below the prefix's folder). */
export function isRedrivenKey(key: string, prefix: string): boolean {
  const rest = key.slice(prefixFolder(prefix).length);
  const folders = rest.split('/').slice(0, -1);
  return folders.includes(REDRIVEN_SEGMENT);
}

// ---------------------------------------------------------------------------------------------------------------
// Firehose error records
// ---------------------------------------------------------------------------------------------------------------

export interface FirehoseErrorRecord {
  readonly errorCode: string;
  readonly errorMessage: string | undefined;
  /** base64 of the record as it was sent. */
  readonly rawData: string;
  readonly attemptsMade: number | undefined;
  /** ms since epoch. */
  readonly arrivalTimestamp: number | undefined;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one line of a Firehose error object. Never throws. */
export function parseFirehoseErrorLine(text: string): Parsed<FirehoseErrorRecord> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (!isObject(v)) return { ok: false, problem: 'not a JSON object' };
  const code = v.errorCode ?? v.ErrorCode;
  const message = v.errorMessage ?? v.ErrorMessage;
  if (typeof code !== 'string' || code === '') return { ok: false, problem: 'no errorCode' };
  if (typeof v.rawData !== 'string') return { ok: false, problem: 'no rawData' };
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  return {
    ok: true,
    value: {
      errorCode: code,
      errorMessage: typeof message === 'string' ? message : undefined,
      rawData: v.rawData,
      attemptsMade: num(v.attemptsMade),
      arrivalTimestamp: num(v.arrivalTimestamp),
    },
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes `rawData` into the original record: strict base64 of non-empty, valid UTF-8 text no bigger than a
 * Firehose record may be (the pipeline only ever sends JSON text). Never throws.
 */
export function decodeRawData(rawData: string): Parsed<{ data: Buffer; text: string }> {
  if (rawData === '') return { ok: false, problem: 'rawData is empty' };
  if (!BASE64.test(rawData)) return { ok: false, problem: 'rawData is not base64' };
  const data = Buffer.from(rawData, 'base64');
  if (data.length > MAX_RECORD_BYTES) {
    return { ok: false, problem: `record is ${data.length} bytes, over the Firehose limit of ${MAX_RECORD_BYTES}` };
  }
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return { ok: false, problem: 'rawData is not UTF-8 text' };
  }
  return { ok: true, value: { data, text } };
}

// ---------------------------------------------------------------------------------------------------------------
// Rejected lines
// ---------------------------------------------------------------------------------------------------------------

export interface RejectRecord {
  /** Source object key. */
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string | undefined;
}

/** Parses one line of a rejects object. Never throws. */
export function parseRejectLine(text: string): Parsed<RejectRecord> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not JSON' };
  }
  if (!isObject(v)) return { ok: false, problem: 'not a JSON object' };
  if (typeof v.reason !== 'string') return { ok: false, problem: 'no reason' };
  if (typeof v.file !== 'string') return { ok: false, problem: 'no file' };
  if (typeof v.line !== 'number' || !Number.isSafeInteger(v.line)) return { ok: false, problem: 'no line number' };
  return {
    ok: true,
    value: { file: v.file, line: v.line, reason: v.reason, raw: typeof v.raw === 'string' ? v.raw : undefined },
  };
}

/**
 * A reject reason without its specific values, so that the same problem groups together:
 * `field 9 (elb_status_code) "abc" is not an integer` → `field N (elb_status_code) "…" is not an integer`.
 * Quoted strings become "…" and numbers become N.
 */
export function normaliseReason(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"?/g, '"…"')
    .replace(/\b\d+(?:\.\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------------------------

export interface Group<S> {
  readonly key: string;
  count: number;
  readonly samples: S[];
}

/** Counts by key, keeping the first `maxSamples` samples of each. */
export class Grouper<S> {
  private readonly groups = new Map<string, Group<S>>();
  constructor(private readonly maxSamples: number) {}

  add(key: string, sample: () => S): void {
    let g = this.groups.get(key);
    if (!g) {
      g = { key, count: 0, samples: [] };
      this.groups.set(key, g);
    }
    g.count++;
    if (g.samples.length < this.maxSamples) g.samples.push(sample());
  }

  get total(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.count;
    return n;
  }

  /** Groups by count, largest first (then by key). */
  sorted(): Group<S>[] {
    return [...this.groups.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
  }
}

export interface LineProblemSample {
  readonly key: string;
  readonly line: number;
  readonly problem: string;
  readonly text: string;
}

export interface FirehoseErrorSample {
  readonly key: string;
  readonly line: number;
  readonly errorMessage: string | undefined;
  readonly attemptsMade: number | undefined;
  readonly arrivalTime: string | undefined;
}

export interface StoredRejectSample {
  /** Source log object and line. */
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  /** The rejects object it is stored in. */
  readonly object: string;
}

export interface UnreadableObject {
  readonly key: string;
  readonly error: string;
  /** Lines read before the failure (they are counted). */
  readonly linesRead: number;
}

export interface InspectOptions {
  readonly bucket: string;
  /** Firehose error prefix (e.g. `firehose-errors/`); undefined skips Firehose errors. */
  readonly errorsPrefix: string | undefined;
  /** Rejects prefix (e.g. `rejects/`); undefined skips rejects. */
  readonly rejectsPrefix: string | undefined;
  /** Only objects last modified at or after this instant (ms). */
  readonly since?: number;
  /** Stop after this many records/lines in total. */
  readonly limit?: number;
  /** Samples kept per group (default 3). */
  readonly samples?: number;
}

export interface InspectDeps {
  readonly s3: S3Client;
  /** Receives every decoded Firehose error record (for `--decode`), in order; awaited (backpressure). */
  readonly onDecoded?: (text: string, where: { key: string; line: number }) => Promise<void> | void;
  readonly onProgress?: (report: ErrorReport) => void;
}

export interface ErrorReport {
  readonly bucket: string;
  readonly since: string | undefined;
  readonly firehoseErrors:
    | {
        readonly prefix: string;
        objects: number;
        /** Parseable error records. */
        records: number;
        bytes: number;
        /** Objects already redriven (under a `redriven/` folder): not read. */
        redrivenObjectsSkipped: number;
        readonly byErrorCode: Grouper<FirehoseErrorSample>;
        readonly unparseable: Grouper<LineProblemSample>;
        /** Records whose rawData does not decode into a record. */
        readonly undecodable: Grouper<LineProblemSample>;
      }
    | undefined;
  readonly rejects:
    | {
        readonly prefix: string;
        objects: number;
        lines: number;
        bytes: number;
        readonly byReason: Grouper<StoredRejectSample>;
        readonly unparseable: Grouper<LineProblemSample>;
      }
    | undefined;
  readonly unreadableObjects: UnreadableObject[];
  /** Whether --limit stopped the reading early. */
  truncated: boolean;
}

const SAMPLE_TEXT_CHARS = 200;
const clip = (s: string) => (s.length > SAMPLE_TEXT_CHARS ? `${s.slice(0, SAMPLE_TEXT_CHARS)}…` : s);

/** Listed objects under `prefix` modified at or after `since`, without redriven ones (counted apart). */
export async function* errorObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { since?: number; onRedriven?: (o: ListedObject) => void } = {},
): AsyncGenerator<ListedObject> {
  for await (const o of listObjects(s3, bucket, prefix)) {
    if (o.key.endsWith('/')) continue; // console-made "folder" objects
    if (isRedrivenKey(o.key, prefix)) {
      options.onRedriven?.(o);
      continue;
    }
    if (options.since !== undefined && o.lastModified !== undefined && o.lastModified.getTime() < options.since) {
      continue;
    }
    yield o;
  }
}

/** Reads an object's lines, recording a read failure (after the lines before it) instead of throwing. */
async function* safeLines(
  s3: S3Client,
  bucket: string,
  key: string,
  unreadable: UnreadableObject[],
): AsyncGenerator<NumberedLine> {
  let n = 0;
  try {
    for await (const l of readObjectLines(s3, bucket, key)) {
      n = l.line;
      yield l;
    }
  } catch (e) {
    unreadable.push({ key, error: errorText(e), linesRead: n });
  }
}

/** Reads the error and rejects prefixes and summarises them. */
export async function inspectErrors(options: InspectOptions, deps: InspectDeps): Promise<ErrorReport> {
  const samples = options.samples ?? 3;
  const report: ErrorReport = {
    bucket: options.bucket,
    since: options.since === undefined ? undefined : new Date(options.since).toISOString(),
    firehoseErrors:
      options.errorsPrefix === undefined
        ? undefined
        : {
            prefix: options.errorsPrefix,
            objects: 0,
            records: 0,
            bytes: 0,
            redrivenObjectsSkipped: 0,
            byErrorCode: new Grouper(samples),
            unparseable: new Grouper(samples),
            undecodable: new Grouper(samples),
          },
    rejects:
      options.rejectsPrefix === undefined
        ? undefined
        : {
            prefix: options.rejectsPrefix,
            objects: 0,
            lines: 0,
            bytes: 0,
            byReason: new Grouper(samples),
            unparseable: new Grouper(samples),
          },
    unreadableObjects: [],
    truncated: false,
  };
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  const spend = (): boolean => {
    if (budget <= 0) {
      report.truncated = true;
      return false;
    }
    budget--;
    return true;
  };

  const fh = report.firehoseErrors;
  if (fh) {
    outer: for await (const o of errorObjects(deps.s3, options.bucket, fh.prefix, {
      ...(options.since !== undefined ? { since: options.since } : {}),
      onRedriven: () => {
        fh.redrivenObjectsSkipped++;
      },
    })) {
      fh.objects++;
      fh.bytes += o.size;
      for await (const l of safeLines(deps.s3, options.bucket, o.key, report.unreadableObjects)) {
        if (l.text.trim() === '') continue;
        if (!spend()) break outer;
        if (l.overlongBytes !== undefined) {
          fh.unparseable.add('line too long', () => lineSample(o.key, l, `line of ${l.overlongBytes} bytes`));
          continue;
        }
        const parsed = parseFirehoseErrorLine(l.text);
        if (!parsed.ok) {
          fh.unparseable.add(parsed.problem, () => lineSample(o.key, l, parsed.problem));
          continue;
        }
        const r = parsed.value;
        fh.records++;
        fh.byErrorCode.add(r.errorCode, () => ({
          key: o.key,
          line: l.line,
          errorMessage: r.errorMessage,
          attemptsMade: r.attemptsMade,
          arrivalTime: r.arrivalTimestamp === undefined ? undefined : safeIso(r.arrivalTimestamp),
        }));
        const decoded = decodeRawData(r.rawData);
        if (!decoded.ok) {
          fh.undecodable.add(decoded.problem, () => lineSample(o.key, l, decoded.problem));
          continue;
        }
        await deps.onDecoded?.(decoded.value.text, { key: o.key, line: l.line });
      }
      deps.onProgress?.(report);
    }
  }

  const rj = report.rejects;
  if (rj && !report.truncated) {
    outer: for await (const o of errorObjects(
      deps.s3,
      options.bucket,
      rj.prefix,
      options.since !== undefined ? { since: options.since } : {},
    )) {
      rj.objects++;
      rj.bytes += o.size;
      for await (const l of safeLines(deps.s3, options.bucket, o.key, report.unreadableObjects)) {
        if (l.text.trim() === '') continue;
        if (!spend()) break outer;
        const parsed = l.overlongBytes === undefined ? parseRejectLine(l.text) : undefined;
        if (!parsed?.ok) {
          const problem = parsed ? parsed.problem : 'line too long';
          rj.unparseable.add(problem, () => lineSample(o.key, l, problem));
          continue;
        }
        const r = parsed.value;
        rj.lines++;
        rj.byReason.add(normaliseReason(r.reason), () => ({
          file: r.file,
          line: r.line,
          reason: r.reason,
          object: o.key,
        }));
      }
      deps.onProgress?.(report);
    }
  }
  return report;
}

function lineSample(key: string, l: NumberedLine, problem: string): LineProblemSample {
  return { key, line: l.line, problem, text: clip(l.text) };
}

function safeIso(ms: number): string | undefined {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

// ---------------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------------

const groupJson = <S>(g: Grouper<S>, name: string) =>
  g.sorted().map((x) => ({ [name]: x.key, count: x.count, samples: x.samples }));

/** The report as one plain JSON-able document (for `--json`). */
export function reportToJson(report: ErrorReport): unknown {
  const fh = report.firehoseErrors;
  const rj = report.rejects;
  return {
    bucket: report.bucket,
    since: report.since ?? null,
    truncated: report.truncated,
    firehoseErrors: fh
      ? {
          prefix: fh.prefix,
          objects: fh.objects,
          bytes: fh.bytes,
          records: fh.records,
          redrivenObjectsSkipped: fh.redrivenObjectsSkipped,
          byErrorCode: groupJson(fh.byErrorCode, 'errorCode'),
          unparseable: { count: fh.unparseable.total, byProblem: groupJson(fh.unparseable, 'problem') },
          undecodable: { count: fh.undecodable.total, byProblem: groupJson(fh.undecodable, 'problem') },
        }
      : null,
    rejects: rj
      ? {
          prefix: rj.prefix,
          objects: rj.objects,
          bytes: rj.bytes,
          lines: rj.lines,
          byReason: groupJson(rj.byReason, 'reason'),
          unparseable: { count: rj.unparseable.total, byProblem: groupJson(rj.unparseable, 'problem') },
        }
      : null,
    unreadableObjects: report.unreadableObjects,
  };
}

/** The report as text for people. */
export function formatReport(report: ErrorReport): string {
  const out: string[] = [];
  const s3url = (key: string) => `s3://${report.bucket}/${key}`;
  const fh = report.firehoseErrors;
  if (fh) {
    out.push(
      `Firehose errors under ${s3url(fh.prefix)}${report.since ? ` since ${report.since}` : ''}: ` +
        `${fh.records} record(s) in ${fh.objects} object(s)` +
        (fh.redrivenObjectsSkipped ? ` (${fh.redrivenObjectsSkipped} already redriven object(s) not read)` : ''),
    );
    for (const g of fh.byErrorCode.sorted()) {
      out.push(`  ${g.key}: ${g.count}`);
      for (const s of g.samples) {
        out.push(`      ${s3url(s.key)}:${s.line}${s.errorMessage ? `  ${clip(s.errorMessage)}` : ''}`);
      }
    }
    problems(out, 'unparseable line(s)', fh.unparseable, s3url);
    problems(out, 'record(s) whose rawData does not decode', fh.undecodable, s3url);
    if (fh.records === 0 && fh.unparseable.total === 0) out.push('  none');
  }
  const rj = report.rejects;
  if (rj && report.truncated && rj.objects === 0) {
    if (out.length > 0) out.push('');
    out.push(`Rejected lines under ${s3url(rj.prefix)}: not read (--limit reached)`);
  } else if (rj) {
    if (out.length > 0) out.push('');
    out.push(
      `Rejected lines under ${s3url(rj.prefix)}${report.since ? ` since ${report.since}` : ''}: ` +
        `${rj.lines} line(s) in ${rj.objects} object(s)`,
    );
    for (const g of rj.byReason.sorted()) {
      out.push(`  ${g.key}: ${g.count}`);
      for (const s of g.samples) out.push(`      ${s.file}:${s.line}  ${clip(s.reason)}`);
    }
    problems(out, 'unparseable line(s)', rj.unparseable, s3url);
    if (rj.lines === 0 && rj.unparseable.total === 0) out.push('  none');
  }
  if (report.unreadableObjects.length > 0) {
    out.push('', `Unreadable objects: ${report.unreadableObjects.length}`);
    for (const u of report.unreadableObjects.slice(0, 10)) {
      out.push(`  ${s3url(u.key)} (after ${u.linesRead} line(s)): ${u.error}`);
    }
  }
  if (report.truncated) out.push('', 'Stopped early at --limit: the counts above are partial.');
  return `${out.join('\n')}\n`;
}

function problems(out: string[], label: string, g: Grouper<LineProblemSample>, s3url: (k: string) => string): void {
  if (g.total === 0) return;
  out.push(`  ${label}: ${g.total}`);
  for (const p of g.sorted()) {
    out.push(`    ${p.key}: ${p.count}`);
    for (const s of p.samples) out.push(`      ${s3url(s.key)}:${s.line}  ${JSON.stringify(s.text)}`);
  }
}
