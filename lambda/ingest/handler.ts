/**
 * The ingest Lambda: SQS (S3 notifications, backfill, continuations) → S3 → parse → Firehose.
 * Contract (public, documented in the README): `handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse>`,
 * configured by the environment variables in env.ts. The AWS clients use the SDK's default configuration for the
 * rest, so the standard variables apply (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3 / _FIREHOSE / _SQS), but every
 * client has connection, request and socket timeouts derived from the safety margin (deadline.ts), and every call
 * also carries an abort signal tied to the invocation's remaining time: a peer that never answers costs a bounded
 * part of the margin, and the handler still checkpoints.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { requestHandlerOptions } from '../aws/client-config';
import { ObjectLedger } from '../ledger/object-ledger';
import { type IngestConfig, readIngestConfig } from './config';
import { ingestClientTimeouts, s3ClientTimeouts } from './deadline';
import { type BatchDeps, processBatch } from './process-batch';
import { stdoutTelemetry } from './telemetry';

type Clients = Pick<BatchDeps, 's3' | 'firehose' | 'sqs'> & { readonly dynamodb?: DynamoDBClient };

/**
 * The handler's clients, configured with the timeouts this safety margin allows (exported for tests). The DynamoDB
 * client (only with a ledger) has the same per-attempt timeouts as Firehose and SQS: its calls are small requests
 * that answer in milliseconds, and each also carries the abort signal of its phase (ingest-object.ts).
 */
export function ingestClients(safetyMarginMs: number, withLedger = false): Clients {
  const timeouts = requestHandlerOptions(ingestClientTimeouts(safetyMarginMs));
  return {
    s3: new S3Client({ requestHandler: requestHandlerOptions(s3ClientTimeouts(safetyMarginMs)) }),
    firehose: new FirehoseClient({ requestHandler: timeouts }),
    sqs: new SQSClient({ requestHandler: timeouts }),
    ...(withLedger ? { dynamodb: new DynamoDBClient({ requestHandler: timeouts }) } : {}),
  };
}

/**
 * The ledger owner id of one invocation: the Lambda request id (to find the run's logs) and a random suffix, since a
 * request id repeats when Lambda retries the same invocation.
 */
export const runOwner = (awsRequestId: string): string => `${awsRequestId}#${randomBytes(4).toString('hex')}`;

// Module scope: created once per execution environment (at the first invocation, once the configuration that sizes
// their timeouts is read) and reused across invocations.
const telemetry = stdoutTelemetry();
let config: IngestConfig | undefined;
let clients: Clients | undefined;
let ledger: ObjectLedger | undefined;
/** Whether this execution environment has recorded (or tried to record) when the ledger started. */
let startMarked = false;

/**
 * Records once per execution environment when the ledger started recording (the first write wins, so it stays the
 * time of the first ingest with a ledger): `status` and the completeness check then tell files written before it
 * (no entry, for a reason) from missing ones. A failure only costs that distinction: logged, never fatal.
 */
async function markLedgerStarted(l: ObjectLedger): Promise<void> {
  if (startMarked) return;
  startMarked = true;
  try {
    await l.markStarted({ abortSignal: AbortSignal.timeout(2_000) });
  } catch (e) {
    startMarked = false;
    telemetry.count('LedgerErrors');
    telemetry.log('warn', 'could not record when the ledger started (retried at the next invocation)', {
      error: (e as Error).message,
    });
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // Read on first use (not at import) so a missing variable fails the invocation with a message naming it.
  config ??= readIngestConfig(process.env);
  clients ??= ingestClients(config.safetyMarginMs, config.ledger !== undefined);
  if (config.ledger && clients.dynamodb) {
    ledger ??= new ObjectLedger({
      client: clients.dynamodb,
      tableName: config.ledger.tableName,
      retentionDays: config.ledger.retentionDays,
    });
    await markLedgerStarted(ledger);
  }
  const { s3, firehose, sqs } = clients;
  return processBatch(event, {
    s3,
    firehose,
    sqs,
    config,
    telemetry,
    remainingMs: () => context.getRemainingTimeInMillis(),
    ...(ledger ? { ledger: { ledger, owner: runOwner(context.awsRequestId) } } : {}),
  });
}
