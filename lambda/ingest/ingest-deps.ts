/**
 * What one object's ingestion runs with: the clients, configuration and clock of the invocation (IngestDeps), and
 * the route of the object (IngestRoute). Shared by ingest-object.ts, which drives a run, and object-run.ts, which
 * holds its state, so that neither imports the other.
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { S3Client } from '@aws-sdk/client-s3';
import type { IngestConfig } from './config';
import type { LedgerDeps } from './ledger-run';
import type { Route } from './route';
import type { Telemetry } from './telemetry';

export interface IngestDeps {
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
  readonly config: IngestConfig;
  readonly telemetry: Telemetry;
  /** Milliseconds left in this invocation. */
  readonly remainingMs: () => number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /**
   * The object ledger and this run's owner id; absent when LEDGER_TABLE_NAME is unset (then the continuation
   * messages alone carry the position, as before the ledger).
   */
  readonly ledger?: LedgerDeps;
}

/** An object this deployment ingests: its log type and that type's stream. */
export type IngestRoute = Extract<Route, { kind: 'ingest' }>;
