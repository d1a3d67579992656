/**
 * Local S3 + Firehose + SQS for the handler benchmark, in their own process so that their CPU (HTTP, base64, JSON)
 * is not charged to the handler being measured. Loads the corpus files given as arguments into the log bucket
 * (`FILE`: under the ALB access key bench/corpus.ts gives it; `KEY=FILE`: under that key, which cannot be mistaken
 * for a file's `=`, as legacy ELB keys never contain one), prints the endpoints and each file's key as one JSON line,
 * and exits when its stdin closes.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LocalFirehose } from '../test/support/local-firehose';
import { LocalS3 } from '../test/support/local-s3';
import { LocalSqs } from '../test/support/local-sqs';
import { benchKey } from './corpus';

export const BENCH_BUCKET = 'bench-logs';
export const BENCH_LAKE = 'bench-lake';
export const BENCH_STREAM = 'bench-stream';
export const BENCH_QUEUE = 'bench-queue';

async function main(): Promise<void> {
  const [s3, firehose, sqs] = await Promise.all([
    LocalS3.start({ buckets: [BENCH_BUCKET, BENCH_LAKE] }),
    LocalFirehose.start({ streams: [BENCH_STREAM] }),
    LocalSqs.start({ queues: [BENCH_QUEUE] }),
  ]);
  const keys: Record<string, string> = {};
  for (const arg of process.argv.slice(2)) {
    const eq = arg.indexOf('=');
    const file = eq === -1 ? arg : arg.slice(eq + 1);
    const key = eq === -1 ? benchKey(basename(file)) : arg.slice(0, eq);
    s3.putObject(BENCH_BUCKET, key, readFileSync(file));
    keys[file] = key;
  }
  process.stdout.write(
    `${JSON.stringify({ s3: s3.endpoint, firehose: firehose.endpoint, sqs: sqs.endpoint, queueUrl: sqs.queueUrl(BENCH_QUEUE), keys })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => {
    Promise.all([s3.close(), firehose.close(), sqs.close()]).then(() => process.exit(0));
  });
  // Keep memory bounded: the benchmark checks counts, not contents.
  setInterval(() => firehose.reset(), 2000).unref();
}

if (require.main === module) main();
