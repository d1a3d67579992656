/**
 * Packs encoded records into PutRecordBatch-sized batches, in line order. Pure: no I/O.
 * Limits: https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 * (500 records, 1,000 KiB per record, 4 MiB per request). Kept a little under AWS's figures.
 */

import { MAX_RECORD_BYTES } from '../parser/parse-object';

export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 4_000_000;

export interface OutgoingRecord {
  readonly lineNumber: number;
  readonly data: Uint8Array;
}

export interface Batch {
  readonly records: OutgoingRecord[];
  readonly bytes: number;
}

export class Batcher {
  private records: OutgoingRecord[] = [];
  private bytes = 0;

  constructor(
    private readonly maxRecords = MAX_BATCH_RECORDS,
    private readonly maxBytes = MAX_BATCH_BYTES,
  ) {}

  /**
   * Adds a record (at most {@link MAX_RECORD_BYTES}; the caller rejects bigger ones).
   * @returns the batch it completed, if adding it would have overflowed the current one
   */
  add(record: OutgoingRecord): Batch | undefined {
    if (record.data.length > MAX_RECORD_BYTES) throw new RangeError(`record over ${MAX_RECORD_BYTES} bytes`);
    let full: Batch | undefined;
    if (this.records.length === this.maxRecords || this.bytes + record.data.length > this.maxBytes) {
      full = this.flush();
    }
    this.records.push(record);
    this.bytes += record.data.length;
    return full;
  }

  /** The current partial batch, if any. */
  flush(): Batch | undefined {
    if (this.records.length === 0) return undefined;
    const batch = { records: this.records, bytes: this.bytes };
    this.records = [];
    this.bytes = 0;
    return batch;
  }
}
