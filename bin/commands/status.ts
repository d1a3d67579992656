/**
 * `alb-iceberg status`: whether every access-log object of a date range reached the table, from S3's listing and the
 * object ledger (lambda/ops/ledger-scan.ts). Formatting, the JSON document and the exit code are pure functions.
 */
import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DaySummary } from '../../lambda/ledger/completeness';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { normalisePrefix } from '../../lambda/ops/backfill';
import {
  accountedFor,
  type DayReport,
  DayTotals,
  type ScanCounters,
  type ScanStop,
  scanFolders,
  totalOf,
} from '../../lambda/ops/ledger-scan';
import { errorText } from '../../lambda/ops/s3-objects';
import { type OptionSpecs, readArgs, usageError } from '../args';
import { type AwsClientOptions, dynamodbClient, s3Client } from '../aws-clients';
import { type CliIo, OutputClosed } from '../io';
import { startLongRun } from './long-run';
import { type ParsedScope, parseScope, SCOPE_HELP, SCOPE_OPTIONS } from './scope-options';

export const STATUS_OPTIONS = {
  ...SCOPE_OPTIONS,
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

const HELP = `Usage: alb-iceberg status --bucket BUCKET --ledger-table TABLE --from YYYY-MM-DD [--to YYYY-MM-DD]
                          [--prefix PREFIX] [--account ID]... [--log-region REGION]... [--grace-minutes N] [--json]

Proves, day by day, that every ALB access-log object reached the table. It lists the day folders of the range in the
log bucket and reads the object ledger's entries of each folder, then counts per day:
  done         ingested: every line is a row, a stored reject or blank (with the lines counted)
  in progress  an ingest run holds it, or will resume it from its checkpoint
  failed       given up (dead-lettered), with the causes
  skipped      not ingested on purpose, with the reasons
  missing      in S3, older than the grace period, unknown to the ledger: its notification never reached the
               pipeline ('alb-iceberg reconcile' enqueues it)
  recent       unknown to the ledger but younger than the grace period (its notification may be on its way)
  before-ledger  unknown to the ledger and written before it started recording (an upgrade from a version
               without it, or history not backfilled yet): 'alb-iceberg backfill --ledger-table' covers them
  gone         ledger entries whose version S3 no longer lists (the object was deleted, or replaced)
  replaced     objects overwritten with new content: the new version is counted above (usually missing)
Keys that are not access logs (connection and health-check logs, the ELB test file) and 0-byte access logs the
ledger does not know are counted apart and never missing.

Options:
${SCOPE_HELP}
  --json                Print one JSON document (kind alb-iceberg/status, version 1) instead of the table.
  -h, --help            Show this help.

Cost: per account, region and day, one ListObjectsV2 request per 1,000 keys and one DynamoDB Query per 1 MB of
ledger entries (eventually consistent: 0.5 read unit per 4 KB). Nothing is written.
Permissions: s3:ListBucket on the log bucket, dynamodb:Query on the ledger table. Credentials, region and endpoints
come from the usual environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB...).
A progress line is shown on a terminal; the report goes to stdout.

Examples:
  alb-iceberg status --bucket my-alb-logs --prefix prod --ledger-table <LedgerTableName> --from 2026-11-20
  alb-iceberg status --bucket my-alb-logs --ledger-table <LedgerTableName> --from 2026-11-01 --to 2026-11-30 --json

Exit codes: 0 every object is accounted for (none missing, none failed), 1 some are not (or the scan could not
finish), 2 usage error.`;

export interface LedgerCommandDeps {
  /** How to build the clients not given (timeouts, endpoint); default: the project's timeouts, the usual environment. */
  readonly aws?: AwsClientOptions;
  readonly s3?: S3Client;
  readonly dynamodb?: DynamoDBClient;
  readonly stderrIsTTY?: boolean;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** What a status run found. */
export interface StatusReport {
  readonly parsed: ParsedScope;
  readonly checkedAt: number;
  readonly days: readonly DayReport[];
  readonly counters: ScanCounters;
  /** Why the scan stopped before the end (interrupted), if it did. */
  readonly stopped?: string;
}

/** The exit code of a status run: 0 when complete and accounted for, 1 otherwise. Pure. */
export function statusExitCode(report: Pick<StatusReport, 'days' | 'stopped'>): 0 | 1 {
  return report.stopped === undefined && accountedFor(report.days) ? 0 : 1;
}

export async function runStatusCommand(argv: string[], io: CliIo, deps: LedgerCommandDeps = {}): Promise<number> {
  const parsed = await readArgs(
    () => parseArgs({ args: argv, allowPositionals: false, options: STATUS_OPTIONS }),
    'status',
    HELP,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const now = deps.now ?? Date.now;
  const scope = parseScope(parsed.values, now());
  if (typeof scope === 'string') return usageError(io, 'status', scope);

  const { progress, signal, dispose } = startLongRun(
    io,
    deps,
    'alb-iceberg status: interrupted, stopping after the folder under way',
  );
  let report: StatusReport;
  try {
    report = await scanStatus(scope, {
      s3: deps.s3 ?? s3Client(deps.aws),
      dynamodb: deps.dynamodb ?? dynamodbClient(deps.aws),
      now: now(),
      ...(signal ? { signal } : {}),
      onFolder: (folder, counters) =>
        progress.update(() => `status: ${counters.ledgerQueries} folder(s), ${counters.listed} key(s), at ${folder}`),
    });
  } catch (e) {
    progress.clear();
    io.err(`alb-iceberg status: ${errorText(e)}\n`);
    return 1;
  } finally {
    dispose();
  }
  progress.clear();
  try {
    await io.out(parsed.values.json ? `${JSON.stringify(statusJson(report), null, 2)}\n` : formatStatus(report));
  } catch (e) {
    if (e instanceof OutputClosed) return statusExitCode(report);
    throw e;
  }
  if (report.stopped) io.err(`alb-iceberg status: stopped before the end: ${report.stopped}\n`);
  return statusExitCode(report);
}

/** Runs the scan of a parsed scope and gathers its per-day totals. */
export async function scanStatus(
  parsed: ParsedScope,
  deps: {
    readonly s3: S3Client;
    readonly dynamodb: DynamoDBClient;
    readonly now: number;
    readonly signal?: AbortSignal;
    readonly onFolder?: (folder: string, counters: ScanCounters) => void;
  },
): Promise<StatusReport> {
  const counters: ScanCounters = { listRequests: 0, ledgerQueries: 0, listed: 0 };
  const totals = new DayTotals(parsed.scope.from, parsed.to);
  const stop: ScanStop = { reason: undefined };
  const ledger = new ObjectLedger({ client: deps.dynamodb, tableName: parsed.ledgerTable, retentionDays: 0 });
  for await (const folder of scanFolders(
    parsed.scope,
    {
      s3: deps.s3,
      ledger,
      now: deps.now,
      graceMs: parsed.graceMinutes * 60_000,
      counters,
      shouldStop: () => (deps.signal?.aborted ? 'interrupted' : undefined),
    },
    stop,
  )) {
    totals.add(folder);
    deps.onFolder?.(folder.folder, counters);
  }
  return {
    parsed,
    checkedAt: deps.now,
    days: totals.list(),
    counters,
    ...(stop.reason !== undefined ? { stopped: stop.reason } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Output (pure)
// ---------------------------------------------------------------------------------------------------------------

/** One day (or the total) in the JSON document. */
export interface DayJson {
  readonly day?: string;
  readonly accountedFor: boolean;
  /** Day folders seen (one per account and region that has the day). */
  readonly folders: number;
  readonly done: { objects: number; lines: number; bytes: number };
  readonly inProgress: { objects: number; lines: number; bytes: number };
  readonly failed: { objects: number; lines: number; bytes: number; causes: Record<string, number> };
  readonly skipped: { objects: number; bytes: number; reasons: Record<string, number> };
  readonly missing: { objects: number; bytes: number };
  readonly recent: { objects: number; bytes: number };
  /** Unknown to the ledger and written before it started recording. */
  readonly beforeLedger: { objects: number; bytes: number };
  readonly gone: { objects: number; lines: number; bytes: number };
  readonly replaced: number;
  /** 0-byte access logs unknown to the ledger, and keys that are not access logs: not judged. */
  readonly empty: number;
  readonly notAccessLogs: number;
  /** Up to 10 keys per day (days only). */
  readonly samples?: { readonly missing: readonly string[]; readonly failed: readonly string[] };
}

export interface StatusJson {
  readonly kind: 'alb-iceberg/status';
  readonly version: 1;
  readonly bucket: string;
  readonly prefix: string;
  readonly from: string;
  readonly to: string;
  readonly accounts: readonly string[] | null;
  readonly regions: readonly string[] | null;
  readonly ledgerTable: string;
  readonly graceMinutes: number;
  readonly checkedAt: string;
  readonly accountedFor: boolean;
  /** False when the scan stopped before the end (`stopped` says why). */
  readonly complete: boolean;
  readonly stopped?: string;
  readonly requests: { readonly listObjectsV2: number; readonly ledgerFolderQueries: number };
  readonly total: DayJson;
  readonly days: readonly DayJson[];
}

function dayJson(d: DayReport, withDay: boolean): DayJson {
  const s = d.summary;
  const v = s.verdicts;
  return {
    ...(withDay ? { day: s.day } : {}),
    accountedFor: accountedFor([d]),
    folders: d.folders,
    done: { objects: v.done.objects, lines: v.done.linesDone, bytes: v.done.bytes },
    inProgress: { objects: v['in-progress'].objects, lines: v['in-progress'].linesDone, bytes: v['in-progress'].bytes },
    failed: { objects: v.failed.objects, lines: v.failed.linesDone, bytes: v.failed.bytes, causes: s.failedCauses },
    skipped: { objects: v.skipped.objects, bytes: v.skipped.bytes, reasons: s.skippedReasons },
    missing: { objects: v.missing.objects, bytes: v.missing.bytes },
    recent: { objects: v.recent.objects, bytes: v.recent.bytes },
    beforeLedger: { objects: v['before-ledger'].objects, bytes: v['before-ledger'].bytes },
    gone: { objects: s.gone.objects, lines: s.gone.linesDone, bytes: s.gone.bytes },
    replaced: s.replaced,
    empty: d.empty,
    notAccessLogs: d.notAccessLogs,
    ...(withDay ? { samples: { missing: d.samples.missing, failed: d.samples.failed } } : {}),
  };
}

/** The `--json` document (documented in the README; its shape only grows). */
export function statusJson(r: StatusReport): StatusJson {
  const { scope } = r.parsed;
  return {
    kind: 'alb-iceberg/status',
    version: 1,
    bucket: scope.bucket,
    prefix: normalisePrefix(scope.prefix),
    from: scope.from,
    to: r.parsed.to,
    accounts: scope.accounts ? [...scope.accounts] : null,
    regions: scope.regions ? [...scope.regions] : null,
    ledgerTable: r.parsed.ledgerTable,
    graceMinutes: r.parsed.graceMinutes,
    checkedAt: new Date(r.checkedAt).toISOString(),
    accountedFor: statusExitCode(r) === 0,
    complete: r.stopped === undefined,
    ...(r.stopped !== undefined ? { stopped: r.stopped } : {}),
    requests: { listObjectsV2: r.counters.listRequests, ledgerFolderQueries: r.counters.ledgerQueries },
    total: dayJson(totalOf(r.days), false),
    days: r.days.map((d) => dayJson(d, true)),
  };
}

const COLUMNS: readonly [string, (s: DaySummary, d: DayReport) => number][] = [
  ['done', (s) => s.verdicts.done.objects],
  ['lines', (s) => s.verdicts.done.linesDone],
  ['in-progress', (s) => s.verdicts['in-progress'].objects],
  ['failed', (s) => s.verdicts.failed.objects],
  ['skipped', (s) => s.verdicts.skipped.objects],
  ['missing', (s) => s.verdicts.missing.objects],
  ['recent', (s) => s.verdicts.recent.objects],
  ['before-ledger', (s) => s.verdicts['before-ledger'].objects],
  ['gone', (s) => s.gone.objects],
  ['replaced', (s) => s.replaced],
];

/** The human report: a table with one row per day and a total, then causes, reasons, samples and the verdict. */
export function formatStatus(r: StatusReport): string {
  const { scope } = r.parsed;
  const filters = [
    scope.accounts ? `accounts ${scope.accounts.join(', ')}` : '',
    scope.regions ? `log regions ${scope.regions.join(', ')}` : '',
  ].filter(Boolean);
  const lines = [
    `status: s3://${scope.bucket}/${normalisePrefix(scope.prefix)}AWSLogs/ from ${scope.from} to ${r.parsed.to}` +
      `${filters.length ? ` (${filters.join('; ')})` : ''}, ledger ${r.parsed.ledgerTable}, grace ${r.parsed.graceMinutes} min`,
    '',
  ];
  const total = totalOf(r.days);
  const rows = [
    ['day', ...COLUMNS.map(([name]) => name)],
    ...r.days.map((d) => [d.summary.day, ...COLUMNS.map(([, f]) => String(f(d.summary, d)))]),
    ['total', ...COLUMNS.map(([, f]) => String(f(total.summary, total)))],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) {
    lines.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  }
  const detail = (title: string, pick: (d: DayReport) => Record<string, number>) => {
    const found = r.days.flatMap((d) =>
      Object.entries(pick(d))
        .sort((a, b) => b[1] - a[1])
        .map(([text, n]) => `  ${d.summary.day}  ${n}  ${text}`),
    );
    if (found.length) lines.push('', title, ...found);
  };
  detail('failed, by cause:', (d) => d.summary.failedCauses);
  detail('skipped, by reason:', (d) => d.summary.skippedReasons);
  const samples = (title: string, pick: (d: DayReport) => readonly string[], count: (d: DayReport) => number) => {
    const withAny = r.days.filter((d) => count(d) > 0);
    if (withAny.length === 0) return;
    lines.push('', title);
    for (const d of withAny) {
      const keys = pick(d);
      for (const k of keys) lines.push(`  ${k}`);
      if (count(d) > keys.length) lines.push(`  … and ${count(d) - keys.length} more on ${d.summary.day}`);
    }
  };
  samples(
    'missing (in S3, never reached the pipeline):',
    (d) => d.samples.missing,
    (d) => d.summary.verdicts.missing.objects,
  );
  samples(
    'failed:',
    (d) => d.samples.failed,
    (d) => d.summary.verdicts.failed.objects,
  );
  const notJudged = total.empty + total.notAccessLogs;
  lines.push('');
  if (notJudged > 0) {
    lines.push(
      `not judged: ${total.empty} empty access log(s), ${total.notAccessLogs} key(s) that are not access logs`,
    );
  }
  lines.push(
    `requests: ${r.counters.listRequests} ListObjectsV2, ${r.counters.ledgerQueries} ledger folder queries, ` +
      `${r.counters.listed} key(s) listed`,
  );
  lines.push('', verdictLine(r, total));
  return `${lines.join('\n')}\n`;
}

function verdictLine(r: StatusReport, total: DayReport): string {
  const missing = total.summary.verdicts.missing.objects;
  const failed = total.summary.verdicts.failed.objects;
  if (r.stopped) return `incomplete: the scan stopped before the end (${r.stopped})`;
  if (missing === 0 && failed === 0) {
    const waiting = total.summary.verdicts['in-progress'].objects + total.summary.verdicts.recent.objects;
    return `accounted for: nothing missing, nothing failed${waiting ? ` (${waiting} still on their way)` : ''}`;
  }
  const next = [
    missing ? `'alb-iceberg reconcile' enqueues the ${missing} missing` : '',
    failed ? `'alb-iceberg reconcile --failed' also the ${failed} failed (once the cause is fixed)` : '',
  ].filter(Boolean);
  return `NOT accounted for: ${missing} missing, ${failed} failed. Next: ${next.join('; ')}`;
}
