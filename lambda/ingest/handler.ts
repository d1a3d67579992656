/**
 * The ingest Lambda: SQS (S3 notifications, backfill, continuations) → S3 → parse → Firehose.
 * Contract (public, documented in the README): `handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse>`,
 * configured by the environment variables in env.ts. The AWS clients use the SDK's default configuration, so the
 * standard variables apply (AWS_REGION, credentials, AWS_ENDPOINT_URL_S3 / _FIREHOSE / _SQS).
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type IngestConfig, readIngestConfig } from './config';
import { processBatch } from './process-batch';
import { stdoutTelemetry } from './telemetry';

// Module scope: created once per execution environment and reused across invocations.
const s3 = new S3Client({});
const firehose = new FirehoseClient({});
const sqs = new SQSClient({});
const telemetry = stdoutTelemetry();
let config: IngestConfig | undefined;

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  // Read on first use (not at import) so a missing variable fails the invocation with a message naming it.
  config ??= readIngestConfig(process.env);
  return processBatch(event, {
    s3,
    firehose,
    sqs,
    config,
    telemetry,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
}
