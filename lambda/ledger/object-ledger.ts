/**
 * The object ledger: which source object versions reached the table, and where each one stands. DynamoDB, every
 * state change a conditional write, so two runs can never both hold an object and a `done` is never overwritten.
 *
 * Writes per object in the normal case: one claim and one finish (2 writes, each 1 write unit while the item stays
 * under 1 KB), plus one per checkpoint persisted while it streams. Conditional writes that fail cost a write unit
 * too. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 *
 * Errors of the DynamoDB client (throttling, outage, timeouts) are thrown as they are: callers decide with
 * `describeAwsError` what keeps the promise that no line is lost. A lost condition (another run holds the object)
 * is a {@link LeaseLostError}.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { isPreconditionFailed } from '../aws/errors';
import {
  type Accounting,
  type Checkpoint,
  entryFromItem,
  expiryAttribute,
  folderPartition,
  identityAttributes,
  keyAttributes,
  type LedgerEntry,
  NO_ACCOUNTING,
  NO_PROGRESS,
  normaliseEtag,
  type ObjectVersion,
  progressAttributes,
} from './entry';
import { LEDGER_PARTITION_KEY, LEDGER_SORT_KEY } from './schema';
import { UpdateExpression } from './update-expression';

/** Another run took the object over (its lease had expired from our point of view... or its clock runs ahead). */
export class LeaseLostError extends Error {
  constructor(
    readonly version: ObjectVersion,
    readonly holder: LedgerEntry | undefined,
  ) {
    super(
      `the ledger no longer has s3://${version.bucket}/${version.key} held by this run` +
        (holder ? ` (state ${holder.state}${holder.owner ? `, held by ${holder.owner}` : ''})` : ' (entry gone)'),
    );
    this.name = 'LeaseLostError';
  }
}

export type ClaimResult =
  /** This run holds the object until `leaseUntil`; `entry` holds the checkpoint to resume from. */
  | {
      readonly kind: 'claimed';
      readonly entry: LedgerEntry;
      readonly takeover: boolean;
      /** takeover: the run whose expired lease was taken over. */
      readonly previousOwner?: string;
      /** {@link ObjectLedger.restart}: a done version started over from line 1. */
      readonly restarted?: boolean;
    }
  | { readonly kind: 'done'; readonly entry: LedgerEntry }
  | { readonly kind: 'skipped'; readonly entry: LedgerEntry }
  /** Another run holds a live lease. */
  | { readonly kind: 'busy'; readonly entry: LedgerEntry };

export interface LedgerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Days after its last write an entry expires (DynamoDB TTL); 0 = never. */
  readonly retentionDays: number;
  readonly now?: () => number;
}

export interface CallOptions {
  readonly abortSignal?: AbortSignal;
}

type Item = Record<string, AttributeValue>;

const S = (v: string): AttributeValue => ({ S: v });
/** The key of the item that records when the ledger started ({@link ObjectLedger.markStarted}). */
const MARKER_KEY: Item = { [LEDGER_PARTITION_KEY]: { S: '#ledger' }, [LEDGER_SORT_KEY]: { S: 'started' } };
const N = (v: number): AttributeValue => ({ N: String(v) });

/** A conditional write lost (ConditionalCheckFailedException): another run holds the item, or it is done. */
const isConditionFailure = isPreconditionFailed;

export class ObjectLedger {
  private readonly now: () => number;

  constructor(private readonly options: LedgerOptions) {
    this.now = options.now ?? Date.now;
  }

  get tableName(): string {
    return this.options.tableName;
  }

  /**
   * Claims a version for a run: free (no entry), failed (a redrive), or in progress with an expired lease (its
   * holder died: `takeover`), or already held by this same `owner`. Otherwise says why not.
   */
  async claim(
    v: ObjectVersion,
    run: { readonly owner: string; readonly leaseUntil: number; readonly size?: number },
    call: CallOptions = {},
  ): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = this.now();
      const u = this.stamped(v, now)
        .set({ state: S('in-progress'), owner: S(run.owner), leaseExpiresAt: N(run.leaseUntil) })
        .set(run.size === undefined ? {} : { size: N(run.size) })
        .increment('runs');
      const state = u.name('state');
      const lease = u.name('leaseExpiresAt');
      const condition =
        `attribute_not_exists(${u.name(LEDGER_PARTITION_KEY)}) OR ${state} = ${u.value(S('failed'))} OR ` +
        `(${state} = ${u.value(S('in-progress'))} AND ` +
        `(attribute_not_exists(${lease}) OR ${lease} < ${u.value(N(now))} OR ` +
        `${u.name('owner')} = ${u.value(S(run.owner))}))`;
      try {
        // ALL_OLD, not ALL_NEW: whether this is a takeover depends on the state before the claim (a released or
        // failed entry also has runs > 1, but nobody held it). The new entry is the old one with the claim applied.
        const res = await this.update(v, u, condition, call, 'ALL_OLD');
        const old =
          res.Attributes && Object.keys(res.Attributes).length > 0 ? entryFromItem(res.Attributes) : undefined;
        const entry = claimedEntry(v, old, run, now);
        const takeover =
          old?.state === 'in-progress' &&
          old.owner !== undefined &&
          old.owner !== run.owner &&
          (old.leaseExpiresAt ?? 0) > 0;
        return { kind: 'claimed', entry, takeover, ...(takeover && old?.owner ? { previousOwner: old.owner } : {}) };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      const current = await this.get(v, call);
      if (current === undefined) continue; // expired or deleted between the two calls: claim again
      if (current.state === 'done') return { kind: 'done', entry: current };
      if (current.state === 'skipped') return { kind: 'skipped', entry: current };
      if (current.state === 'in-progress' && current.owner !== run.owner && (current.leaseExpiresAt ?? 0) >= now) {
        return { kind: 'busy', entry: current };
      }
      // The lease expired (or was released) between the two calls: claim again.
    }
    const current = await this.get(v, call);
    if (current) return { kind: 'busy', entry: current };
    throw new Error(`could not claim s3://${v.bucket}/${v.key} in the ledger`);
  }

  /**
   * Claims a version the ledger has as done, to ingest it again from line 1 (an operator's re-ingest after a parser
   * fix: `backfill --reingest`). Its checkpoint and accounting start over; the rows already in the table stay, so
   * the lines delivered before come back as duplicates (the dedup view keeps one of each). Any other state is
   * claimed as {@link claim} does: an interrupted re-ingest resumes from its checkpoint rather than starting over.
   */
  async restart(
    v: ObjectVersion,
    run: { readonly owner: string; readonly leaseUntil: number; readonly size?: number },
    call: CallOptions = {},
  ): Promise<ClaimResult> {
    const first = await this.claim(v, run, call);
    if (first.kind !== 'done') return first;
    const now = this.now();
    const u = this.stamped(v, now)
      .set(progressAttributes(NO_PROGRESS, NO_ACCOUNTING))
      .set({ state: S('in-progress'), owner: S(run.owner), leaseExpiresAt: N(run.leaseUntil) })
      .set(run.size === undefined ? {} : { size: N(run.size) })
      .increment('runs');
    // Only the done entry just read: a concurrent re-ingest that restarted it first wins, and this run is busy.
    const condition = `${u.name('state')} = ${u.value(S('done'))} AND ${u.name('updatedAt')} = ${u.value(N(first.entry.updatedAt))}`;
    try {
      await this.update(v, u, condition, call);
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      const current = await this.get(v, call);
      return current ? { kind: 'busy', entry: current } : this.claim(v, run, call);
    }
    const { cause: _c, firstUndeliveredLine: _l, reason: _r, ...kept } = first.entry;
    const entry: LedgerEntry = {
      ...kept,
      state: 'in-progress',
      owner: run.owner,
      leaseExpiresAt: run.leaseUntil,
      checkpoint: NO_PROGRESS,
      accounting: NO_ACCOUNTING,
      runs: first.entry.runs + 1,
      updatedAt: now,
    };
    return { kind: 'claimed', entry, takeover: false, restarted: true };
  }

  /** Persists a checkpoint while the run still holds the object (and may move its lease). */
  async checkpoint(
    v: ObjectVersion,
    owner: string,
    progress: { readonly checkpoint: Checkpoint; readonly accounting: Accounting; readonly leaseUntil?: number },
    call: CallOptions = {},
  ): Promise<void> {
    const u = this.stamped(v, this.now()).set(progressAttributes(progress.checkpoint, progress.accounting));
    if (progress.leaseUntil !== undefined) u.set({ leaseExpiresAt: N(progress.leaseUntil) });
    await this.held(v, owner, u, call);
  }

  /** Records the object done, with its final accounting, and releases it. */
  async finish(v: ObjectVersion, owner: string, accounting: Accounting, call: CallOptions = {}): Promise<void> {
    const u = this.stamped(v, this.now())
      .set(progressAttributes({ resumeAfterLine: accounting.linesDone, doneRanges: [] }, accounting))
      .set({ state: S('done') })
      .remove('owner', 'leaseExpiresAt', 'cause');
    await this.held(v, owner, u, call);
  }

  /** Releases an unfinished object with its checkpoint, so the next run (its continuation) may claim it at once. */
  async release(
    v: ObjectVersion,
    owner: string,
    progress: { readonly checkpoint: Checkpoint; readonly accounting: Accounting; readonly cause: string },
    call: CallOptions = {},
  ): Promise<void> {
    const u = this.stamped(v, this.now())
      .set(progressAttributes(progress.checkpoint, progress.accounting))
      .set({ cause: S(progress.cause) })
      .remove('owner', 'leaseExpiresAt');
    await this.held(v, owner, u, call);
  }

  /**
   * Records the object given up (its message goes to the dead-letter queue). Never overwrites `done`, nor a live
   * lease of another run.
   */
  async fail(
    v: ObjectVersion,
    failure: { readonly cause: string; readonly firstUndeliveredLine: number; readonly owner?: string },
    call: CallOptions = {},
  ): Promise<void> {
    const now = this.now();
    const u = this.stamped(v, now)
      .set({ state: S('failed'), cause: S(failure.cause), firstUndeliveredLine: N(failure.firstUndeliveredLine) })
      .remove('owner', 'leaseExpiresAt');
    const owner = u.name('owner');
    const condition =
      `attribute_not_exists(${u.name(LEDGER_PARTITION_KEY)}) OR (${u.name('state')} <> ${u.value(S('done'))} AND ` +
      `(attribute_not_exists(${owner}) OR ${owner} = ${u.value(S(failure.owner ?? ''))} OR ` +
      `${u.name('leaseExpiresAt')} < ${u.value(N(now))}))`;
    try {
      await this.update(v, u, condition, call);
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      throw new LeaseLostError(v, await this.get(v, call));
    }
  }

  /** Records a version skipped on purpose. A `done` entry is kept as it is (returns false then). */
  async skip(
    v: ObjectVersion,
    skip: { readonly reason: string; readonly size?: number },
    call: CallOptions = {},
  ): Promise<boolean> {
    const u = this.stamped(v, this.now())
      .set({ state: S('skipped'), reason: S(skip.reason) })
      .set(skip.size === undefined ? {} : { size: N(skip.size) })
      .remove('owner', 'leaseExpiresAt');
    const condition = `attribute_not_exists(${u.name(LEDGER_PARTITION_KEY)}) OR ${u.name('state')} <> ${u.value(S('done'))}`;
    try {
      await this.update(v, u, condition, call);
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /**
   * Records when the ledger started recording, once (the first call wins; later calls change nothing): objects
   * written before it have no entry for a reason, which `status` and the check say rather than calling them missing.
   * One small item outside every folder partition (bucket names cannot start with '#').
   */
  async markStarted(call: CallOptions = {}): Promise<void> {
    const u = new UpdateExpression().setIfAbsent('since', N(this.now()));
    await this.options.client.send(
      new UpdateItemCommand({ TableName: this.options.tableName, Key: MARKER_KEY, ...u.build() }),
      call,
    );
  }

  /** When the ledger started recording (epoch ms), or undefined before the first ingest. A Query, like listFolder. */
  async startedAt(call: CallOptions = {}): Promise<number | undefined> {
    for await (const item of this.queryPartition(MARKER_KEY[LEDGER_PARTITION_KEY]!, call, true)) {
      const since = item[LEDGER_SORT_KEY]?.S === MARKER_KEY[LEDGER_SORT_KEY]!.S ? item.since?.N : undefined;
      if (since !== undefined) return Number(since);
    }
    return undefined;
  }

  /** The entry of one version (strongly consistent), or undefined. */
  async get(v: ObjectVersion, call: CallOptions = {}): Promise<LedgerEntry | undefined> {
    const res = await this.options.client.send(
      new GetItemCommand({ TableName: this.options.tableName, Key: keyAttributes(v), ConsistentRead: true }),
      call,
    );
    return res.Item ? entryFromItem(res.Item) : undefined;
  }

  /**
   * Every entry of one folder (`folder` ends with '/', as in S3 keys), in file-name order: the versions the ledger
   * knows for one ALB day folder. Paginated; memory is one page (at most 1 MB).
   */
  async *listFolder(bucket: string, folder: string, call: CallOptions = {}): AsyncGenerator<LedgerEntry> {
    for await (const item of this.queryPartition(S(folderPartition(bucket, folder)), call, false)) {
      yield entryFromItem(item);
    }
  }

  /** Every item of one partition, in sort-key order, a page (at most 1 MB) at a time. */
  private async *queryPartition(pk: AttributeValue, call: CallOptions, consistent: boolean): AsyncGenerator<Item> {
    let start: Item | undefined;
    do {
      const res = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': LEDGER_PARTITION_KEY },
          ExpressionAttributeValues: { ':pk': pk },
          ...(consistent ? { ConsistentRead: true } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
        call,
      );
      yield* res.Items ?? [];
      start = res.LastEvaluatedKey;
    } while (start);
  }

  // -------------------------------------------------------------------------------------------------------------

  /** An update that sets the identity, the write time and the expiry: every write carries them. */
  private stamped(v: ObjectVersion, now: number): UpdateExpression {
    const id = identityAttributes(v);
    const u = new UpdateExpression()
      .set({ bucket: id.bucket!, key: id.key!, etag: id.etag!, updatedAt: N(now) })
      .setIfAbsent('firstSeenAt', N(now));
    const expiry = expiryAttribute(now, this.options.retentionDays);
    return u.set(expiry);
  }

  /** An update conditional on this run still holding the object; a lost condition is a LeaseLostError. */
  private async held(v: ObjectVersion, owner: string, u: UpdateExpression, call: CallOptions): Promise<void> {
    const condition = `${u.name('state')} = ${u.value(S('in-progress'))} AND ${u.name('owner')} = ${u.value(S(owner))}`;
    try {
      await this.update(v, u, condition, call);
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      throw new LeaseLostError(v, await this.get(v, call).catch(() => undefined));
    }
  }

  private update(
    v: ObjectVersion,
    u: UpdateExpression,
    condition: string,
    call: CallOptions,
    returnValues?: UpdateItemCommandInput['ReturnValues'],
  ) {
    return this.options.client.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: keyAttributes(v),
        ...u.build(condition),
        ...(returnValues ? { ReturnValues: returnValues } : {}),
      }),
      call,
    );
  }
}

/** The entry a successful claim wrote: `old` (absent for a new version) with the claim's fields applied. */
function claimedEntry(
  v: ObjectVersion,
  old: LedgerEntry | undefined,
  run: { readonly owner: string; readonly leaseUntil: number; readonly size?: number },
  now: number,
): LedgerEntry {
  const {
    cause: _cause,
    firstUndeliveredLine: _line,
    reason: _reason,
    ...kept
  } = old ?? {
    checkpoint: NO_PROGRESS,
    accounting: NO_ACCOUNTING,
    runs: 0,
    firstSeenAt: now,
  };
  return {
    ...kept,
    bucket: v.bucket,
    key: v.key,
    etag: normaliseEtag(v.etag),
    state: 'in-progress',
    owner: run.owner,
    leaseExpiresAt: run.leaseUntil,
    ...(run.size === undefined ? {} : { size: run.size }),
    runs: kept.runs + 1,
    updatedAt: now,
    // The claim does not remove `cause`/`firstUndeliveredLine`/`reason`; they describe the earlier run, and the
    // caller reads only the checkpoint and accounting. They are left out here so nobody mistakes them for this run's.
  };
}
