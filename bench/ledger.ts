/**
 * The object ledger's figures, in a process of its own (`node --import tsx bench/ledger.ts CORPUS.log.gz`), printed
 * as one JSON line for bench/run.ts:
 * - ledger calls and write units per object, for a typical small ALB file and for the corpus file, with the
 *   default checkpoint interval;
 * - the handler's added wall time per object with the ledger on, on many small files (interleaved rounds, best of);
 * - records sent twice per hard kill: the real handler in a child process (test/support/ingest-child.ts) SIGKILLed
 *   at seeded random moments of the corpus file, then the same message delivered again after its lease expired;
 *   every line must be delivered and the ledger must end `done` with exact accounting, or the run fails.
 * The peers (S3, Firehose, SQS, dynalite) run in this process, as in the tests: the latency figure includes their
 * CPU on loopback, not a network round trip; run.ts labels it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_CHECKPOINT_EVERY_LINES } from '../lambda/ingest/config';
import { processBatch } from '../lambda/ingest/process-batch';
import { ledgerKey } from '../lambda/ledger/entry';
import { seededRandom, testClientConfig } from '../test/support/aws-env';
import { IngestHarness, LOG_BUCKET, logKey } from '../test/support/ingest-harness';
import { INGEST_CHILD, ingestChildEnv, LedgerFixture } from '../test/support/ledger-ingest';
import { LEDGER_TEST_TABLE, LocalDynamoDb } from '../test/support/local-dynamodb';

const SMALL_LINES = 3_000;
const SMALL_OBJECTS = 60;
const LATENCY_ROUNDS = 3;
const KILL_ROUNDS = 5;
const MAX_IN_FLIGHT = 4;

export interface LedgerFigures {
  readonly checkpointEveryLines: number;
  readonly small: ObjectCalls;
  readonly large: ObjectCalls;
  readonly addedMsPerSmallObject: number;
  readonly msPerSmallObjectWithout: number;
  readonly kills: { readonly duplicates: number[]; readonly bound: number; readonly lines: number };
}

interface ObjectCalls {
  readonly lines: number;
  readonly rawBytes: number;
  readonly writes: number;
  readonly reads: number;
  /** Largest item written, in bytes as DynamoDB sizes them (attribute names + values), from the stored entry. */
  readonly itemBytes: number;
}

async function main(): Promise<void> {
  const corpus = readFileSync(process.argv[2]!);
  const corpusLines = gunzipSync(corpus).toString('utf8').split('\n');
  if (corpusLines[corpusLines.length - 1] === '') corpusLines.pop();
  const small = gzipSync(`${corpusLines.slice(0, SMALL_LINES).join('\n')}\n`);
  const h = await IngestHarness.start();
  const ddb = await LocalDynamoDb.start();
  const L = new LedgerFixture(h, ddb);
  try {
    const every = DEFAULT_CHECKPOINT_EVERY_LINES;
    const figures: LedgerFigures = {
      checkpointEveryLines: every,
      small: await callsPerObject(h, ddb, L, small, SMALL_LINES, 'small'),
      large: await callsPerObject(h, ddb, L, corpus, corpusLines.length, 'large'),
      ...(await addedLatency(h, L, small)),
      kills: await killRounds(h, ddb, L, corpus, corpusLines.length),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    L.close();
    await Promise.all([h.close(), ddb.close()]);
  }
}

/** One clean ingest of `body` with the ledger: the calls it made and the size of the entry it left. */
async function callsPerObject(
  h: IngestHarness,
  ddb: LocalDynamoDb,
  L: LedgerFixture,
  body: Buffer,
  lines: number,
  label: string,
): Promise<ObjectCalls> {
  h.reset();
  const key = logKey(`calls-${label}`);
  h.s3.putObject(LOG_BUCKET, key, body);
  ddb.calls.length = 0;
  await h.drive([eventWithEtag(h, L, key)], () =>
    L.deps({ owner: `calls-${label}`, checkpointEveryLines: DEFAULT_CHECKPOINT_EVERY_LINES }),
  );
  const entry = await L.entry(key);
  assert.equal(entry?.state, 'done', `${label}: done`);
  assert.equal(entry.accounting.linesDone, lines, `${label}: every line accounted for`);
  const calls = ddb.calls.filter((c) => c.status === 200);
  return {
    lines,
    rawBytes: entry.accounting.rawBytes,
    writes: calls.filter((c) => c.operation === 'UpdateItem').length,
    reads: calls.filter((c) => c.operation === 'GetItem' || c.operation === 'Query').length - 1, // the entry() read
    itemBytes: itemSize(await rawItem(L, key)),
  };
}

/** Wall ms per small object without and with the ledger (fresh keys every round: done versions would be skipped). */
async function addedLatency(
  h: IngestHarness,
  L: LedgerFixture,
  body: Buffer,
): Promise<{ addedMsPerSmallObject: number; msPerSmallObjectWithout: number }> {
  let best = { without: Number.POSITIVE_INFINITY, with: Number.POSITIVE_INFINITY };
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    for (const withLedger of [false, true]) {
      h.reset();
      const keys = Array.from({ length: SMALL_OBJECTS }, (_, i) => logKey(`lat-${round}-${withLedger}-${i}`));
      for (const key of keys) h.s3.putObject(LOG_BUCKET, key, body);
      const t0 = process.hrtime.bigint();
      for (const key of keys) {
        const deps = withLedger
          ? L.deps({ owner: `lat-${round}`, checkpointEveryLines: DEFAULT_CHECKPOINT_EVERY_LINES })
          : h.deps();
        const res = await processBatch({ Records: [h.record(eventWithEtag(h, L, key))] }, deps);
        assert.deepEqual(res.batchItemFailures, []);
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6 / SMALL_OBJECTS;
      best = withLedger ? { ...best, with: Math.min(best.with, ms) } : { ...best, without: Math.min(best.without, ms) };
    }
  }
  return { addedMsPerSmallObject: best.with - best.without, msPerSmallObjectWithout: best.without };
}

/** Duplicates per hard kill of the handler (child process) on the corpus object, with the default interval. */
async function killRounds(h: IngestHarness, ddb: LocalDynamoDb, L: LedgerFixture, body: Buffer, lines: number) {
  // The bound documented in lambda/ingest/object-run.ts (Checkpointer): (N − 1) + (C + 500) + 2 × F × 500.
  const chunkLines = Math.ceil((64 * 1024) / (gunzipSync(body).length / lines));
  const bound = DEFAULT_CHECKPOINT_EVERY_LINES - 1 + chunkLines + 500 + 2 * MAX_IN_FLIGHT * 500;
  const random = seededRandom(42);
  const duplicates: number[] = [];
  for (let round = 0; round < KILL_ROUNDS; round++) {
    h.reset();
    const key = logKey(`kill-${round}`);
    h.s3.putObject(LOG_BUCKET, key, body);
    const record = h.record(eventWithEtag(h, L, key));
    const killAt = Math.floor(lines * (0.1 + 0.8 * random()));
    const child = spawn(process.execPath, ['--import', 'tsx', INGEST_CHILD], {
      env: {
        ...ingestChildEnv(h, ddb, { maxInFlight: MAX_IN_FLIGHT, invocationMs: 600_000 }),
        CHILD_EVENT: JSON.stringify({ Records: [record] }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c) => {
      stderr += c;
    });
    const exit = exited(child);
    while (h.firehose.calls.reduce((n, c) => n + c.entries, 0) < killAt) {
      if (child.exitCode !== null) throw new Error(`the handler ended before the kill: ${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exit;
    const response = await processBatch(
      { Records: [record] },
      L.deps({
        owner: `redelivery-${round}`,
        clockShiftMs: 3_600_000,
        checkpointEveryLines: DEFAULT_CHECKPOINT_EVERY_LINES,
      }),
    );
    assert.deepEqual(response.batchItemFailures, []);
    const delivered = h.deliveredLines();
    const distinct = new Set(delivered);
    assert.equal(distinct.size, lines, `round ${round}: every line delivered`);
    const entry = await L.entry(key);
    assert.equal(entry?.state, 'done');
    assert.equal(entry.accounting.linesDone, lines, `round ${round}: exact accounting`);
    assert.equal(entry.accounting.records, distinct.size, `round ${round}: records = distinct records`);
    duplicates.push(delivered.length - distinct.size);
  }
  return { duplicates, bound, lines };
}

const exited = (child: ChildProcess) => new Promise<unknown>((resolve) => child.on('exit', resolve));

/** The S3 event of `key` naming its ETag, as S3 sends it: the claim then comes before GetObject. */
function eventWithEtag(h: IngestHarness, L: LedgerFixture, key: string): string {
  const body = JSON.parse(h.s3Event(key));
  body.Records[0].s3.object.eTag = L.etag(key).replace(/"/g, '');
  return JSON.stringify(body);
}

async function rawItem(L: LedgerFixture, key: string) {
  const k = ledgerKey(L.version(key));
  const client = new DynamoDBClient(testClientConfig(L.ddb.endpoint));
  try {
    const res = await client.send(
      new GetItemCommand({ TableName: LEDGER_TEST_TABLE, Key: { pk: { S: k.pk }, sk: { S: k.sk } } }),
    );
    return res.Item ?? {};
  } finally {
    client.destroy();
  }
}

/**
 * DynamoDB's item size: attribute names plus values, strings in UTF-8 bytes, numbers about 1 byte per 2 digits + 1.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
function itemSize(item: Record<string, { S?: string; N?: string }>): number {
  let bytes = 0;
  for (const [name, v] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (v.S !== undefined) bytes += Buffer.byteLength(v.S);
    if (v.N !== undefined) bytes += Math.ceil(v.N.replace(/^-/, '').replace('.', '').length / 2) + 1;
  }
  return bytes;
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
