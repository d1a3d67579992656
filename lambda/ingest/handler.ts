/** Placeholder: the ingest handler is being written (issue 3). The export's signature is the public contract. */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

export async function handler(_event: SQSEvent, _context: Context): Promise<SQSBatchResponse> {
  throw new Error('not implemented yet');
}
