/**
 * Streams an object's bytes, gunzipping when the body starts with the gzip magic bytes (1f 8b) whatever its name:
 * log objects are normally gzipped, the ELB test file and hand-made files are plain text. Every gzip member is
 * decoded (Node's gunzip handles concatenated members), so a multi-member object is never silently truncated.
 */
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Byte counters filled while the stream is consumed. */
export interface ByteCounters {
  /** Bytes read from the source (compressed size for gzip). */
  compressedBytes: number;
  /** Bytes after decompression. */
  rawBytes: number;
}

const GZIP_CHUNK = 64 * 1024;

export async function* decompressed(
  source: AsyncIterable<Uint8Array>,
  counters: ByteCounters,
): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < 2) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headBytes += r.value.length;
  }
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const chunk of head) {
      counters.compressedBytes += chunk.length;
      yield chunk;
    }
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      counters.compressedBytes += r.value.length;
      yield r.value;
    }
  }
  const first = head.length === 1 ? head[0]! : Buffer.concat(head);
  if (!(first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b)) {
    for await (const chunk of body()) {
      counters.rawBytes += chunk.length;
      yield chunk;
    }
    return;
  }
  const gunzip = createGunzip({ chunkSize: GZIP_CHUNK });
  // pipeline() propagates a source error (S3 connection reset) into the gunzip stream we iterate.
  pipeline(Readable.from(body()), gunzip, () => {});
  for await (const chunk of gunzip as AsyncIterable<Buffer>) {
    counters.rawBytes += chunk.length;
    yield chunk;
  }
}
