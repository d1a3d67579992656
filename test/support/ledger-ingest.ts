/**
 * The ingest harness with the object ledger: a LocalDynamoDb (dynalite behind a fault proxy), a ledger per
 * simulated invocation (its own owner id and, for lease expiry, its own clock), and the log objects and checks the
 * ledger tests share.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { requestHandlerOptions } from '../../lambda/aws/client-config';
import type { IngestConfig } from '../../lambda/ingest/config';
import { ingestClientTimeouts } from '../../lambda/ingest/deadline';
import type { BatchDeps } from '../../lambda/ingest/process-batch';
import type { LedgerEntry, ObjectVersion } from '../../lambda/ledger/entry';
import { ObjectLedger } from '../../lambda/ledger/object-ledger';
import { albLine } from './alb-line';
import { setAwsTestEnv, testClientConfig } from './aws-env';
import { range } from './ingest-assertions';
import { type IngestHarness, LAKE_BUCKET, LOG_BUCKET, QUEUE, STREAM } from './ingest-harness';
import { LEDGER_TEST_TABLE, type LocalDynamoDb } from './local-dynamodb';

export interface LedgerRunOptions {
  /** Ledger owner id of the simulated invocation. */
  readonly owner: string;
  /** Milliseconds added to the wall clock (simulates a later invocation, e.g. after a lease expired). */
  readonly clockShiftMs?: number;
  readonly checkpointEveryLines?: number;
  readonly config?: Partial<IngestConfig>;
  readonly deps?: Omit<Partial<BatchDeps>, 'config' | 'ledger'>;
}

export class LedgerFixture {
  private readonly clients: DynamoDBClient[] = [];

  constructor(
    readonly h: IngestHarness,
    readonly ddb: LocalDynamoDb,
  ) {}

  /** A ledger on the local table; SDK retries: 2 attempts, no backoff (so fault tests stay fast). */
  ledger(clockShiftMs = 0, safetyMarginMs = 5_000): ObjectLedger {
    const client = new DynamoDBClient(
      testClientConfig(this.ddb.endpoint, {
        maxAttempts: 2,
        retryDelayMs: 0,
        requestHandler: requestHandlerOptions(ingestClientTimeouts(safetyMarginMs)),
      }),
    );
    this.clients.push(client);
    return new ObjectLedger({
      client,
      tableName: LEDGER_TEST_TABLE,
      retentionDays: 400,
      now: () => Date.now() + clockShiftMs,
    });
  }

  /** Harness deps of one simulated invocation, with the ledger. */
  deps(o: LedgerRunOptions): BatchDeps {
    const shift = o.clockShiftMs ?? 0;
    const base = this.h.deps({ ...(o.deps ?? {}), config: o.config ?? {} });
    return {
      ...base,
      config: {
        ...base.config,
        ledger: {
          tableName: LEDGER_TEST_TABLE,
          retentionDays: 400,
          checkpointEveryLines: o.checkpointEveryLines ?? 1_000,
        },
      },
      ledger: {
        ledger: this.ledger(shift, base.config.safetyMarginMs),
        owner: o.owner,
        clock: () => Date.now() + shift,
      },
    };
  }

  /** The entry of a log object's version (`etag` as S3 returns it, quoted or not). */
  entry(key: string, etag = this.etag(key)): Promise<LedgerEntry | undefined> {
    return this.ledger().get({ bucket: LOG_BUCKET, key, etag });
  }

  /** Every entry of a log object's folder. */
  async folder(key: string): Promise<LedgerEntry[]> {
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    const out: LedgerEntry[] = [];
    for await (const e of this.ledger().listFolder(LOG_BUCKET, folder)) out.push(e);
    return out;
  }

  etag(key: string): string {
    const head = this.h.s3.getObject(LOG_BUCKET, key);
    assert.ok(head, `object ${key} exists`);
    return head.etag;
  }

  version(key: string): ObjectVersion {
    return { bucket: LOG_BUCKET, key, etag: this.etag(key) };
  }

  /** UpdateItem calls dynalite answered (successful or failed conditions alike). */
  writes(): number {
    return this.ddb.calls.filter((c) => c.operation === 'UpdateItem' && c.status !== 0).length;
  }

  close(): void {
    for (const c of this.clients) c.destroy();
  }
}

/** Line i's request time: one millisecond apart from a fixed base, so min and max time are known. */
export const lineTime = (i: number): string => new Date(Date.UTC(2026, 10, 23, 18, 0, 0) + i).toISOString();
/** The row form of {@link lineTime}: microseconds, as ALB writes and the encoder keeps. */
export const rowTime = (i: number): string => lineTime(i).replace('Z', '000Z');

/** A gzipped log object of `n` lines with distinct times; `bad` lines are rejected, `blank` lines empty. */
export function timedLogObject(n: number, bad: readonly number[] = [], blank: readonly number[] = []): Buffer {
  const badSet = new Set(bad);
  const blankSet = new Set(blank);
  const lines = range(1, n).map((i) => {
    if (blankSet.has(i)) return '';
    const time = lineTime(i).replace('Z', '000Z');
    return badSet.has(i) ? albLine({ set: { time, elbStatus: `bad${i}` } }) : albLine({ set: { time } });
  });
  return gzipSync(lines.join('\n'));
}

/** The accounting a `done` entry of {@link timedLogObject}(n, bad, blank) must have. */
export function assertDoneAccounting(
  entry: LedgerEntry | undefined,
  n: number,
  bad: readonly number[],
  blank: readonly number[],
): void {
  assert.ok(entry, 'the ledger has the version');
  assert.equal(entry.state, 'done');
  const a = entry.accounting;
  const good = range(1, n).filter((i) => !bad.includes(i) && !blank.includes(i));
  assert.deepEqual(
    { linesDone: a.linesDone, records: a.records, rejects: a.rejects, blankLines: a.blankLines },
    { linesDone: n, records: good.length, rejects: bad.length, blankLines: blank.length },
  );
  assert.equal(a.minTime, rowTime(good[0]!));
  assert.equal(a.maxTime, rowTime(good[good.length - 1]!));
  assert.deepEqual(entry.checkpoint, { resumeAfterLine: n, doneRanges: [] });
}

/** Where the real handler runs in a process of its own (tests and the bench that SIGKILL it). */
export const INGEST_CHILD = `${__dirname}/ingest-child.ts`;

/**
 * The environment of the real handler in a child process ({@link INGEST_CHILD}): its variables, and the SDK pointed
 * at the harness's peers and the ledger. `invocationMs` is the simulated invocation's length (its lease ends then,
 * plus the clock-skew margin); `checkpointEveryLines` unset keeps the handler's default.
 */
export function ingestChildEnv(
  h: IngestHarness,
  ddb: LocalDynamoDb,
  o: { readonly maxInFlight: number; readonly invocationMs: number; readonly checkpointEveryLines?: number },
): NodeJS.ProcessEnv {
  const restore = setAwsTestEnv({
    s3: h.s3.endpoint,
    firehose: h.firehose.endpoint,
    sqs: h.sqs.endpoint,
    dynamodb: ddb.endpoint,
  });
  try {
    return {
      ...process.env,
      DELIVERY_STREAM_ALB_ACCESS: STREAM,
      REJECTS_BUCKET: LAKE_BUCKET,
      REJECTS_PREFIX: 'rejects/',
      INGEST_QUEUE_URL: h.sqs.queueUrl(QUEUE),
      STACK_NAME: 'kill-test',
      MAX_IN_FLIGHT_BATCHES: String(o.maxInFlight),
      TIME_SAFETY_MARGIN_MS: '5000',
      LEDGER_TABLE_NAME: LEDGER_TEST_TABLE,
      ...(o.checkpointEveryLines !== undefined
        ? { LEDGER_CHECKPOINT_EVERY_LINES: String(o.checkpointEveryLines) }
        : {}),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1',
      CHILD_INVOCATION_MS: String(o.invocationMs),
    };
  } finally {
    restore();
  }
}
