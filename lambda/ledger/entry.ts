/**
 * A ledger entry in memory, its key, and its DynamoDB item form. Pure.
 *
 * Accounting and checkpoint are written together, always consistent with each other: the counters count exactly the
 * lines in the checkpoint's done set (the lines up to `resumeAfterLine`, plus `doneRanges`). A run that resumes from
 * a checkpoint therefore starts from its counters and adds only the lines it settles itself; lines a killed run
 * settled after its last persisted checkpoint are counted again by the run that settles them again, never twice.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  LEDGER_PARTITION_KEY,
  LEDGER_SORT_KEY,
  LEDGER_STATES,
  LEDGER_TTL_ATTRIBUTE,
  type LedgerState,
  MAX_SORT_KEY_BYTES,
} from './schema';

/** One version of one source object. `etag` without quotes (S3 events omit them, GetObject and listings add them). */
export interface ObjectVersion {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
}

export type Ranges = readonly (readonly [number, number])[];

/** Which lines are done: every line up to `resumeAfterLine`, and the inclusive ranges beyond it. */
export interface Checkpoint {
  readonly resumeAfterLine: number;
  readonly doneRanges: Ranges;
}

/** Counters over the lines of the checkpoint's done set (see the module comment), plus the cost of the runs. */
export interface Accounting {
  /** Lines done: records + rejects + blankLines. */
  readonly linesDone: number;
  /** Records acknowledged by Firehose. */
  readonly records: number;
  /** Rejected lines stored in the rejects objects. */
  readonly rejects: number;
  readonly blankLines: number;
  /** Compressed and decoded bytes read, summed over runs (a resumed run reads its object again). */
  readonly compressedBytes: number;
  readonly rawBytes: number;
  /** Time spent on the object, summed over runs. */
  readonly durationMs: number;
  /** Earliest and latest `time` (ISO 8601, as in the rows) of the records counted. */
  readonly minTime?: string;
  readonly maxTime?: string;
  /** Keys (in the rejects bucket) of the objects holding the rejected lines. */
  readonly rejectsKeys: readonly string[];
}

export const NO_PROGRESS: Checkpoint = { resumeAfterLine: 0, doneRanges: [] };
export const NO_ACCOUNTING: Accounting = {
  linesDone: 0,
  records: 0,
  rejects: 0,
  blankLines: 0,
  compressedBytes: 0,
  rawBytes: 0,
  durationMs: 0,
  rejectsKeys: [],
};

export interface LedgerEntry extends ObjectVersion {
  readonly state: LedgerState;
  /** Object size in bytes, when known. */
  readonly size?: number;
  /** The run holding the object (in-progress only). */
  readonly owner?: string;
  /** Epoch ms until which `owner` holds the object; 0 or absent when released. */
  readonly leaseExpiresAt?: number;
  readonly checkpoint: Checkpoint;
  readonly accounting: Accounting;
  /** Claims so far (runs started). */
  readonly runs: number;
  /** Epoch ms of the first claim or record, and of the last write. */
  readonly firstSeenAt: number;
  readonly updatedAt: number;
  /** Why the last run stopped unfinished (in-progress), or why the object was given up (failed). */
  readonly cause?: string;
  /** failed: the first line not delivered. */
  readonly firstUndeliveredLine?: number;
  /** skipped: why. */
  readonly reason?: string;
}

export function normaliseEtag(etag: string | undefined): string {
  const e = (etag ?? '').replace(/"/g, '');
  return e === '' ? 'unknown' : e;
}

/** The partition key of a folder: `<bucket>/<folder>` where `folder` ends with '/' (or is '' for the bucket root). */
export function folderPartition(bucket: string, folder: string): string {
  return `${bucket}/${folder}`;
}

/** Splits a key into its folder (through the last '/') and file name. */
export function splitKey(key: string): { folder: string; file: string } {
  const cut = key.lastIndexOf('/') + 1;
  return { folder: key.slice(0, cut), file: key.slice(cut) };
}

/** The item key of a version. A file name too long for the sort key is cut and completed by its SHA-256. */
export function ledgerKey(v: ObjectVersion): { pk: string; sk: string } {
  const { folder, file } = splitKey(v.key);
  const etag = normaliseEtag(v.etag);
  let name = file;
  if (Buffer.byteLength(`${file}#${etag}`) > MAX_SORT_KEY_BYTES) {
    const digest = createHash('sha256').update(file).digest('hex');
    // Cut by characters until the whole sort key fits in bytes (names may hold multi-byte characters).
    let keep = MAX_SORT_KEY_BYTES - etag.length - digest.length - 3;
    while (Buffer.byteLength(`${file.slice(0, keep)}~${digest}#${etag}`) > MAX_SORT_KEY_BYTES) keep -= 8;
    name = `${file.slice(0, keep)}~${digest}`;
  }
  return { pk: folderPartition(v.bucket, folder), sk: `${name}#${etag}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Item form
// ---------------------------------------------------------------------------------------------------------------

type Item = Record<string, AttributeValue>;

const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });

/** The attributes that carry a checkpoint and its accounting (SET together by every write that moves them). */
export function progressAttributes(checkpoint: Checkpoint, a: Accounting): Item {
  return {
    resumeAfterLine: n(checkpoint.resumeAfterLine),
    // A JSON string: compact, and read back whole.
    doneRanges: s(JSON.stringify(checkpoint.doneRanges)),
    linesDone: n(a.linesDone),
    records: n(a.records),
    rejects: n(a.rejects),
    blankLines: n(a.blankLines),
    compressedBytes: n(a.compressedBytes),
    rawBytes: n(a.rawBytes),
    durationMs: n(a.durationMs),
    minTime: s(a.minTime ?? ''),
    maxTime: s(a.maxTime ?? ''),
    rejectsKeys: s(JSON.stringify(a.rejectsKeys)),
  };
}

export function identityAttributes(v: ObjectVersion): Item {
  const key = ledgerKey(v);
  return {
    [LEDGER_PARTITION_KEY]: s(key.pk),
    [LEDGER_SORT_KEY]: s(key.sk),
    bucket: s(v.bucket),
    key: s(v.key),
    etag: s(normaliseEtag(v.etag)),
  };
}

export function keyAttributes(v: ObjectVersion): Item {
  const key = ledgerKey(v);
  return { [LEDGER_PARTITION_KEY]: s(key.pk), [LEDGER_SORT_KEY]: s(key.sk) };
}

/** The TTL attribute for an item written at `nowMs`, or undefined when entries never expire. */
export function expiryAttribute(nowMs: number, retentionDays: number): Item {
  if (retentionDays <= 0) return {};
  return { [LEDGER_TTL_ATTRIBUTE]: n(Math.floor(nowMs / 1000) + retentionDays * 86_400) };
}

/** Reads an item back; throws on an item this code did not write (missing identity or unknown state). */
export function entryFromItem(item: Item): LedgerEntry {
  const str = (name: string): string | undefined => item[name]?.S;
  const num = (name: string): number | undefined => {
    const v = item[name]?.N;
    return v === undefined ? undefined : Number(v);
  };
  const json = <T>(name: string, fallback: T): T => {
    const v = str(name);
    return v === undefined || v === '' ? fallback : (JSON.parse(v) as T);
  };
  const state = str('state');
  const bucket = str('bucket');
  const key = str('key');
  if (!bucket || key === undefined || !LEDGER_STATES.includes(state as LedgerState)) {
    throw new Error(`not a ledger entry: ${JSON.stringify(item).slice(0, 300)}`);
  }
  const optional = <K extends string, V>(k: K, v: V | undefined) =>
    v === undefined ? {} : ({ [k]: v } as Record<K, V>);
  return {
    bucket,
    key,
    etag: str('etag') ?? 'unknown',
    state: state as LedgerState,
    ...optional('size', num('size')),
    ...optional('owner', str('owner')),
    ...optional('leaseExpiresAt', num('leaseExpiresAt')),
    checkpoint: {
      resumeAfterLine: num('resumeAfterLine') ?? 0,
      doneRanges: json<[number, number][]>('doneRanges', []),
    },
    accounting: {
      linesDone: num('linesDone') ?? 0,
      records: num('records') ?? 0,
      rejects: num('rejects') ?? 0,
      blankLines: num('blankLines') ?? 0,
      compressedBytes: num('compressedBytes') ?? 0,
      rawBytes: num('rawBytes') ?? 0,
      durationMs: num('durationMs') ?? 0,
      ...optional('minTime', str('minTime') || undefined),
      ...optional('maxTime', str('maxTime') || undefined),
      rejectsKeys: json<string[]>('rejectsKeys', []),
    },
    runs: num('runs') ?? 0,
    firstSeenAt: num('firstSeenAt') ?? 0,
    updatedAt: num('updatedAt') ?? 0,
    ...optional('cause', str('cause')),
    ...optional('firstUndeliveredLine', num('firstUndeliveredLine')),
    ...optional('reason', str('reason')),
  };
}
