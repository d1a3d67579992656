/**
 * The day folders of ELB log delivery: which listings cover a scope (bucket, log prefix, dates, accounts, regions).
 * Shared by the scheduled check, `status`, `reconcile` and `backfill`.
 *
 * Legacy delivery writes every log type under one layout,
 * `[prefix/]AWSLogs/<account>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/<file>`, the date folders being the UTC
 * date of each file's end time
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html). Accounts and
 * regions are discovered with Delimiter '/' unless given, and a date range lists only its day folders, never the
 * whole bucket. CloudWatch-vended delivery's Hive-style folders (`AWSLogs/aws-account-id=<account>/…`) are not
 * account folders, so they are never listed here.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { LogTypeId } from '../schema/log-types';
import { dayFolder, dayFolders, nextDay, parseDay } from './dates';
import { compareKeys, type ListOptions, listFolders } from './s3-objects';

/**
 * Which log objects: a bucket, prefix, dates (`YYYY-MM-DD`, UTC, the ELB folder dates), accounts, regions and log
 * types.
 */
export interface LogScope {
  readonly bucket: string;
  readonly prefix?: string;
  readonly from?: string;
  readonly to?: string;
  readonly accounts?: readonly string[];
  readonly regions?: readonly string[];
  /** Only log files of these types (log-type-selection.ts); every type when absent. */
  readonly logTypes?: readonly LogTypeId[];
}

/**
 * `prefix/` (no leading slash) or ''. The prefix is the load balancer's `access_logs.s3.prefix`, the part before
 * `AWSLogs/`; ALB does not allow it to contain `AWSLogs`, so a trailing `AWSLogs` segment (`x/AWSLogs/`, `AWSLogs`:
 * the path as seen in the console) is the layout's own folder and is dropped rather than looked for twice.
 */
export function normalisePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/(^|\/)AWSLogs$/, '')
    .replace(/\/+$/, '');
  return p === '' ? '' : `${p}/`;
}

/** One listing to run (a day folder, or a region's whole folder up to a day): every key under `prefix`, stopping at the first key >= `before` when set. */
export interface ListingRange {
  readonly prefix: string;
  readonly before?: string;
}

/** Requests a listing made, for progress lines, summaries and cost tests. */
export interface ListingCounters {
  /** ListObjectsV2 requests made (discovery and listing). */
  listRequests: number;
}

/**
 * The listings that cover a scope, in S3 key order: per account and region, one per day folder for a range with a
 * start (the end defaults to `today`), one bounded listing for an end without a start, one whole listing otherwise.
 */
export async function* listingRanges(
  s3: S3Client,
  scope: LogScope,
  today: number,
  counters: ListingCounters,
  listOptions: Pick<ListOptions, 'callSignal'> = {},
): AsyncGenerator<ListingRange> {
  const onRequest = () => {
    counters.listRequests++;
  };
  const discover = { onRequest, ...listOptions };
  const root = `${normalisePrefix(scope.prefix)}AWSLogs/`;
  const accounts = scope.accounts
    ? [...new Set(scope.accounts)].map((a) => `${root}${a}/`).sort(compareKeys)
    : (await listFolders(s3, scope.bucket, root, discover)).filter((p) => /\/\d{12}\/$/.test(p));
  const from = scope.from === undefined ? undefined : parseDay(scope.from);
  const to = scope.to === undefined ? undefined : parseDay(scope.to);
  for (const account of accounts) {
    const elb = `${account}elasticloadbalancing/`;
    const regions = scope.regions
      ? [...new Set(scope.regions)].map((r) => `${elb}${r}/`).sort(compareKeys)
      : await listFolders(s3, scope.bucket, elb, discover);
    for (const region of regions) {
      if (from !== undefined) {
        for (const day of dayFolders(from, to ?? today)) yield { prefix: `${region}${day}/` };
      } else if (to !== undefined) {
        yield { prefix: region, before: `${region}${dayFolder(nextDay(to))}/` };
      } else {
        yield { prefix: region };
      }
    }
  }
}
