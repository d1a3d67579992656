/**
 * The object ledger's table layout: one DynamoDB item per source object version. The CDK table (lib/) and every
 * reader and writer (ingest handler, completeness check, CLI) take the names from here.
 *
 * Keys: the partition key is the object's folder (`<bucket>/<key up to its last '/'>`; for an ALB log that is one
 * account, region and day), the sort key the file name and its ETag (`<file name>#<etag>`). So:
 * - one Query per day folder returns every version the ledger knows there, in the order S3 lists keys (both sort
 *   by UTF-8 bytes), which is what `status`, `reconcile`, `backfill` and the scheduled check need;
 * - an object replaced under the same key (new ETag) is a new item: the done version stays recorded.
 * A folder takes every write of its day; DynamoDB splits a hot partition by sort-key range as load grows
 * ("split for heat": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html).
 */

export const LEDGER_PARTITION_KEY = 'pk';
export const LEDGER_SORT_KEY = 'sk';
/** Epoch seconds after which DynamoDB's TTL deletes the item (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html). */
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

/**
 * - `in-progress`: a run holds (or held) the object; `leaseExpiresAt` says until when, and the checkpoint says which
 *   lines are done. An expired lease means the holder died or stopped: the next run takes over from the checkpoint.
 * - `done`: every line is a row, a stored reject or blank; the accounting is final.
 * - `failed`: given up (dead-lettered); the cause and the first line not delivered are recorded. Claimable again
 *   (a redrive or `reconcile --failed`), resuming from its checkpoint.
 * - `skipped`: not ingested on purpose (empty, not an ALB access log, deleted before it was read); `reason` says why.
 */
export const LEDGER_STATES = ['in-progress', 'done', 'failed', 'skipped'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

/** DynamoDB sort keys are at most 1,024 bytes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). */
export const MAX_SORT_KEY_BYTES = 1024;
/** Partition keys are at most 2,048 bytes. */
export const MAX_PARTITION_KEY_BYTES = 2048;
