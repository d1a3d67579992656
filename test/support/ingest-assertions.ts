/**
 * What the ingest end-to-end tests build and assert, in one place: log objects of numbered lines, the
 * "every line exactly once" check, and the stored rejects.
 */
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { albLine } from './alb-line';
import type { LocalS3 } from './local-s3';

/** The integers from `from` to `to`, inclusive. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A gzipped log object of `n` lines; lines in `bad` are rejected by the parser, lines in `blank` are empty. */
export function logObject(n: number, bad: readonly number[] = [], blank: readonly number[] = []): Buffer {
  const badSet = new Set(bad);
  const blankSet = new Set(blank);
  const lines = range(1, n).map((i) =>
    blankSet.has(i) ? '' : badSet.has(i) ? albLine({ set: { elbStatus: `bad${i}` } }) : albLine(),
  );
  return gzipSync(lines.join('\n'));
}

/** Every line in `expected` delivered exactly once (in any order), and nothing else. */
export function assertExactlyOnce(delivered: readonly number[], expected: readonly number[]): void {
  const counts = new Map<number, number>();
  for (const l of delivered) counts.set(l, (counts.get(l) ?? 0) + 1);
  assert.deepEqual(
    [...counts].filter(([, c]) => c > 1).map(([l]) => l),
    [],
    'no line delivered twice',
  );
  assert.deepEqual(
    [...counts.keys()].sort((a, b) => a - b),
    expected,
    'every expected line delivered, nothing else',
  );
}

export interface StoredReject {
  readonly bucket?: string;
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
}

/** Every rejected line stored under `prefix` of `bucket`, object by object. */
export function storedRejects(s3: LocalS3, bucket: string, prefix = 'rejects/'): StoredReject[] {
  return s3
    .keys(bucket, prefix)
    .flatMap((k) => gunzipSync(s3.body(bucket, k)!).toString('utf8').trimEnd().split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StoredReject);
}
