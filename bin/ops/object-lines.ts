/**
 * Reading an S3 object as numbered text lines (gzipped or plain, by magic bytes) with the pipeline's own reader:
 * `errors` and `redrive` read Firehose's error objects and the rejects objects this way.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decompressed } from '../../lambda/reader/decompress';
import { CutLine, lineBlocks, OverlongLine } from '../../lambda/reader/line-blocks';

/** One line of an object: its 1-based number and text, or `overlong` when it was too long to keep. */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
  /** Set when the line exceeded the reader's limit (its length in bytes): `text` is only its head. */
  readonly overlongBytes?: number;
}

/** Reads an object as text lines (gunzipped when it starts with the gzip magic bytes). */
export async function* readObjectLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<NumberedLine> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = res.Body as Readable | undefined;
  if (!body) return;
  let n = 0;
  try {
    for await (const block of lineBlocks(decompressed(body, { compressedBytes: 0, rawBytes: 0 }))) {
      if (block instanceof OverlongLine) yield { line: ++n, text: block.head, overlongBytes: block.length };
      // A line cut by gzip damage is shown as it is; the damage itself is thrown right after it.
      else if (block instanceof CutLine) yield { line: ++n, text: block.text };
      else {
        for (let i = 0; i < block.starts.length; i++) {
          yield { line: ++n, text: block.bytes.toString('utf8', block.starts[i], block.ends[i]) };
        }
      }
    }
  } finally {
    body.destroy();
  }
}
