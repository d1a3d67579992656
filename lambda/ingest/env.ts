/**
 * The ingest handler's configuration contract (environment variables). The CDK construct sets exactly these names,
 * imported from here, so the two cannot drift apart.
 */
import type { LogTypeId } from '../schema/types';

/**
 * The Firehose stream of one log type's table: `DELIVERY_STREAM_ALB_ACCESS`, `DELIVERY_STREAM_NLB_ACCESS`, ...
 * At least one is required; a log type without one is not enabled, and its objects are skipped, counted.
 */
export function deliveryStreamEnv(logType: LogTypeId): string {
  return `DELIVERY_STREAM_${logType.toUpperCase().replace(/-/g, '_')}`;
}

export const ENV = {
  /** Required. Bucket for rejected-line objects. */
  rejectsBucket: 'REJECTS_BUCKET',
  /** Required. Key prefix for rejected-line objects (e.g. `rejects/`). */
  rejectsPrefix: 'REJECTS_PREFIX',
  /** Required. URL of the ingest queue itself, for continuation messages. */
  ingestQueueUrl: 'INGEST_QUEUE_URL',
  /**
   * Required. Name of the CloudFormation stack: the `Stack` dimension of every metric (metrics-contract.ts), so the
   * alarms of one stack see only its own function's metrics.
   */
  stackName: 'STACK_NAME',
  /** Optional. PutRecordBatch calls in flight per object. Default 4. */
  maxInFlight: 'MAX_IN_FLIGHT_BATCHES',
  /** Optional. Milliseconds of retrying one batch before the object is checkpointed. Default 60000. */
  retryBudgetMs: 'RETRY_BUDGET_MS',
  /** Optional. Milliseconds of invocation time kept in reserve to checkpoint cleanly. Default 20000. */
  safetyMarginMs: 'TIME_SAFETY_MARGIN_MS',
  /** Optional. Continuation attempts without progress before the message is failed (then dead-lettered). Default 5. */
  maxAttempts: 'MAX_ATTEMPTS_WITHOUT_PROGRESS',
  /**
   * Optional in the handler, always set by the stack. Name of the object ledger's DynamoDB table
   * (lambda/ledger/). Unset: no ledger (claims, skips of done objects and persisted checkpoints are off; the
   * continuation messages alone carry the position, as before the ledger).
   */
  ledgerTableName: 'LEDGER_TABLE_NAME',
  /** Optional. Days after its last write a ledger entry expires (DynamoDB TTL); 0 = never. Default 400. */
  ledgerRetentionDays: 'LEDGER_RETENTION_DAYS',
  /**
   * Optional. Lines settled between two checkpoints persisted to the ledger while an object streams: the bound on
   * lines sent again after a hard kill. Default set in config.ts.
   */
  checkpointEveryLines: 'LEDGER_CHECKPOINT_EVERY_LINES',
  /**
   * Optional. `reference` runs the reference parser alone for ALB access logs too, instead of the WebAssembly
   * kernel in front of it (lambda/parser/line-encoder.ts): same records, more CPU per line. Default `kernel`.
   */
  parserEngine: 'PARSER_ENGINE',
} as const;
