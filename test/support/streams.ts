/** Byte-stream helpers for reader tests. */
import { gzipSync } from 'node:zlib';

/** Yields `data` in chunks of `size` bytes (exercises lines and multibyte characters split across chunks). */
export async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export const gz = (text: string): Buffer => gzipSync(Buffer.from(text));

export async function collect<T>(source: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of source) out.push(...batch);
  return out;
}
