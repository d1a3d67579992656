/** What the operator side reads from the object ledger, as an interface, so a scan can be run over any reader. */
import type { LedgerEntry } from '../ledger/entry';

/** The part of the object ledger (lambda/ledger/object-ledger.ts) that the scheduled check, status, reconcile and backfill read. */
export interface LedgerReader {
  listFolder(bucket: string, folder: string, call?: { abortSignal?: AbortSignal }): AsyncIterable<LedgerEntry>;
  /** When the ledger started recording (epoch ms), if it says: see ObjectLedger.startedAt. */
  startedAt?(call?: { abortSignal?: AbortSignal }): Promise<number | undefined>;
}
