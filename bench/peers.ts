/**
 * Local S3 + Firehose + SQS for the handler benchmark, in their own process so that their CPU (HTTP, base64, JSON)
 * is not charged to the handler being measured. Loads the corpus files given as arguments into the log bucket,
 * prints the endpoints as one JSON line, and exits when its stdin closes.
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
  for (const file of process.argv.slice(2)) {
    const key = benchKey(basename(file));
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
