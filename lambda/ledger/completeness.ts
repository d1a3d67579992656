/**
 * Completeness: what the ledger says about the objects S3 lists in one folder. Pure; shared by `alb-iceberg status`,
 * `reconcile`, `backfill` (which never enqueues a done object) and the scheduled check in the stack.
 *
 * Each listed object (key and ETag, as S3 lists it now) gets one verdict:
 * - `done`, `in-progress`, `failed`, `skipped`: the ledger's state of that exact version;
 * - `missing`: the ledger has no entry for this version and the object is older than the grace period: its
 *   notification never reached the pipeline (or the version replaced one the ledger has: `replaced`);
 * - `recent`: no entry yet, but the object is younger than the grace period (its notification may be in flight);
 * - `before-ledger`: no entry, and the object was written before the ledger started recording (an upgrade from a
 *   version without it, or history not backfilled yet): nothing says whether it was ingested, so it is neither
 *   missing nor done.
 * Entries of versions S3 no longer lists (the object was deleted, or replaced by a newer version) are `gone`.
 */
import type { LedgerEntry } from './entry';
import { normaliseEtag } from './entry';
import type { LedgerState } from './schema';

export type Verdict = LedgerState | 'missing' | 'recent' | 'before-ledger';
export const VERDICTS: readonly Verdict[] = [
  'done',
  'in-progress',
  'failed',
  'skipped',
  'missing',
  'recent',
  'before-ledger',
];

/** An object as listed by S3 (the subset of `ListedObject` this module reads). */
export interface ListedVersion {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date | undefined;
  readonly etag: string | undefined;
}

export interface ObjectVerdict {
  readonly object: ListedVersion;
  readonly verdict: Verdict;
  /** The ledger entry of this version, when there is one. */
  readonly entry?: LedgerEntry;
  /** The ledger knows other versions of this key (the object was overwritten). */
  readonly replaced?: boolean;
}

export interface FolderJudgement {
  readonly objects: readonly ObjectVerdict[];
  /** Ledger entries whose version S3 no longer lists (deleted, or replaced by a newer version). */
  readonly gone: readonly LedgerEntry[];
}

export interface JudgeOptions {
  /** Epoch ms. */
  readonly now: number;
  /** Objects younger than this are `recent`, not `missing`. */
  readonly graceMs: number;
  /** Epoch ms the ledger started recording ({@link ObjectLedger.startedAt}); older objects without an entry are `before-ledger`. */
  readonly ledgerSince?: number;
}

/**
 * Default grace period: ALB delivers each node's log file every 5 minutes, usually within minutes of the interval's
 * end; S3 event notifications arrive within seconds, occasionally a minute or more. 30 minutes covers both with room.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 */
export const DEFAULT_GRACE_MINUTES = 30;

/** Joins one folder's S3 listing with the ledger's entries for the same folder. */
export function judgeFolder(
  listed: Iterable<ListedVersion>,
  entries: Iterable<LedgerEntry>,
  options: JudgeOptions,
): FolderJudgement {
  const byKey = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const list = byKey.get(e.key);
    if (list) list.push(e);
    else byKey.set(e.key, [e]);
  }
  const seen = new Set<LedgerEntry>();
  const objects: ObjectVerdict[] = [];
  for (const object of listed) {
    const versions = byKey.get(object.key) ?? [];
    const etag = normaliseEtag(object.etag);
    const entry = versions.find((e) => e.etag === etag);
    const replaced = versions.some((e) => e.etag !== etag) ? { replaced: true } : {};
    if (entry) {
      seen.add(entry);
      objects.push({ object, verdict: entry.state, entry, ...replaced });
      continue;
    }
    const written = object.lastModified?.getTime() ?? 0;
    const verdict: Verdict =
      options.ledgerSince !== undefined && written < options.ledgerSince
        ? 'before-ledger'
        : options.now - written < options.graceMs
          ? 'recent'
          : 'missing';
    objects.push({ object, verdict, ...replaced });
  }
  const gone: LedgerEntry[] = [];
  for (const versions of byKey.values()) for (const e of versions) if (!seen.has(e)) gone.push(e);
  return { objects, gone };
}

/** Counts for one verdict: objects, and the lines the ledger has done for them. */
export interface Tally {
  objects: number;
  linesDone: number;
  bytes: number;
}

export interface DaySummary {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  readonly verdicts: Record<Verdict, Tally>;
  /** Ledger entries of versions S3 no longer lists. */
  readonly gone: Tally;
  /** Failed objects by cause (cause text cut to 200 characters). */
  readonly failedCauses: Record<string, number>;
  /** Skipped objects by reason. */
  readonly skippedReasons: Record<string, number>;
  /** Objects whose key names a newer version than the one the ledger has. */
  replaced: number;
}

export function emptyDay(day: string): DaySummary {
  const tally = (): Tally => ({ objects: 0, linesDone: 0, bytes: 0 });
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, tally()])) as Record<Verdict, Tally>;
  return { day, verdicts, gone: tally(), failedCauses: {}, skippedReasons: {}, replaced: 0 };
}

/** Adds one folder's judgement to its day's summary. */
export function addToDay(summary: DaySummary, judgement: FolderJudgement): void {
  for (const o of judgement.objects) {
    const t = summary.verdicts[o.verdict];
    t.objects++;
    t.bytes += o.object.size;
    t.linesDone += o.entry?.accounting.linesDone ?? 0;
    if (o.replaced && !o.entry) summary.replaced++;
    if (o.verdict === 'failed') bump(summary.failedCauses, (o.entry?.cause ?? 'unknown').slice(0, 200));
    if (o.verdict === 'skipped') bump(summary.skippedReasons, o.entry?.reason ?? 'unknown');
  }
  for (const e of judgement.gone) {
    summary.gone.objects++;
    summary.gone.linesDone += e.accounting.linesDone;
    summary.gone.bytes += e.size ?? 0;
  }
}

/** Whether every object of the day is accounted for: none missing, none failed. */
export function accountedFor(summary: DaySummary): boolean {
  return summary.verdicts.missing.objects === 0 && summary.verdicts.failed.objects === 0;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
