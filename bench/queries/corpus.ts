/**
 * The query benchmark's corpus, as production would hold it: ALB access-log files of several load balancer nodes,
 * one per node every 5 minutes, gzipped, in the day folders of their S3 keys (what Athena would scan over the raw
 * logs), each parsed by the pipeline's own parser into the exact JSON records the ingest Lambda sends to Firehose.
 *
 * The records go to one NDJSON file, each prefixed with the index of its log file (`_file`) and its position in
 * arrival order (`_seq`), from which bench/queries/layouts.ts writes Parquet as Firehose and compaction would.
 * Streams: one 5-minute interval of lines is in memory at a time.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { newObjectStats, parseLogObject } from '../../lambda/parser/parse-object';
import { seededRandom } from '../../test/support/aws-env';
import { lineGenerator } from '../corpus';
import type { Delivery } from './firehose-files';
import { linesPerMinute, type TrafficShape, trafficClock } from './traffic';

const INTERVAL_MS = 5 * 60_000;
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const LOAD_BALANCER = 'app.prod-web.50dc6c495c0c9188';

/** One delivered log file. */
export interface RawFile extends Delivery {
  readonly key: string;
  /** The `yyyy/mm/dd` day folder of its key, as `YYYY-MM-DD`. */
  readonly day: string;
  readonly lines: number;
  readonly gzipBytes: number;
}

/** What the corpus holds. */
export interface QueryCorpus {
  readonly shape: TrafficShape;
  readonly nodes: number;
  readonly files: readonly RawFile[];
  /** Gzipped bytes of each day folder. */
  readonly dayFolderBytes: ReadonlyMap<string, number>;
  readonly lines: number;
  readonly records: number;
  readonly rejects: number;
  /** JSON bytes the Lambda sends to Firehose (without the `_file`/`_seq` prefix). */
  readonly firehoseBytes: number;
  /** What a `trace_root` field (the X-Ray Root id, `1-…-…`) would add to those bytes. */
  readonly traceRootFieldBytes: number;
  /** Root ids of lines drawn at random (seeded), for the trace lookup. */
  readonly sampleTraceRoots: readonly string[];
  /** The NDJSON records. */
  readonly recordsPath: string;
}

export interface CorpusOptions {
  readonly shape: TrafficShape;
  /** Load balancer nodes, each writing its own file every 5 minutes. */
  readonly nodes: number;
  /**
   * Longest delay after its 5-minute interval ends before a file reaches the ingest Lambda (uniform from 0). AWS
   * publishes a file per node every 5 minutes and calls delivery eventually consistent, without a bound.
   */
  readonly maxDeliveryDelayMs: number;
  readonly seed: number;
  readonly traceSamples: number;
  /**
   * Epoch ms from which Root ids are sampled. The corpus's first day folder holds only its last hours, smaller than
   * any day folder of a table in service: a trace there would be compared with too small a raw folder.
   */
  readonly traceSamplesFrom: number;
}

const TRACE_ROOT = /"trace_id":"[^"]*Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/;

/** An ALB access-log key of the corpus's load balancer for the file of `node` ending at `end`. */
export function albKey(end: number, node: number, random: string): string {
  const iso = new Date(end).toISOString();
  const folder = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return (
    `AWSLogs/${ACCOUNT}/elasticloadbalancing/${REGION}/${folder}/` +
    `${ACCOUNT}_elasticloadbalancing_${REGION}_${LOAD_BALANCER}_${stamp}_10.0.${node}.17_${random}.log.gz`
  );
}

/** A body of one chunk, as parseLogObject reads S3 bodies. */
async function* single(buffer: Uint8Array): AsyncGenerator<Uint8Array> {
  yield buffer;
}

/** Writes the corpus's records to `recordsPath` and returns what it holds. */
export async function buildCorpus(options: CorpusOptions, recordsPath: string): Promise<QueryCorpus> {
  const { shape, nodes } = options;
  const random = seededRandom(options.seed + 1);
  const next = lineGenerator({ seed: options.seed, clock: trafficClock(shape, seededRandom(options.seed + 2)) });
  const out = createWriteStream(recordsPath);
  const files: RawFile[] = [];
  const dayFolderBytes = new Map<string, number>();
  const totals = { lines: 0, records: 0, rejects: 0, firehoseBytes: 0, traceRootFieldBytes: 0 };
  const firstSampledMinute = Math.ceil((options.traceSamplesFrom - shape.start) / 60_000);
  const sampledLines = linesPerMinute(shape)
    .slice(firstSampledMinute)
    .reduce((a, b) => a + b, 0);
  const sampleEvery = Math.max(1, Math.floor(sampledLines / options.traceSamples));
  let sampleSeq = 0;
  const sampleTraceRoots: string[] = [];
  let seq = 0;

  const writeInterval = async (start: number, perNode: string[][]) => {
    const end = start + INTERVAL_MS;
    const batch = perNode
      .map((lines, node) => ({ lines, node, at: end + Math.floor(random() * options.maxDeliveryDelayMs) }))
      .filter((f) => f.lines.length > 0)
      .sort((a, b) => a.at - b.at);
    for (const f of batch) {
      const key = albKey(end, f.node, Math.floor(random() * 2 ** 32).toString(36));
      const gzip = gzipSync(`${f.lines.join('\n')}\n`);
      const fileIndex = files.length;
      const stats = newObjectStats();
      let jsonBytes = 0;
      const parts: Buffer[] = [];
      for await (const chunk of parseLogObject(single(gzip), { key, stats, logType: 'alb-access' })) {
        for (const r of chunk.records) {
          jsonBytes += r.data.length;
          const text = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length).toString('utf8');
          const root = TRACE_ROOT.exec(text)?.[1];
          if (root) totals.traceRootFieldBytes += `,"trace_root":"${root}"`.length;
          if (root && Number.parseInt(root.slice(2, 10), 16) * 1000 >= options.traceSamplesFrom) {
            if (sampleSeq++ % sampleEvery === 0 && sampleTraceRoots.length < options.traceSamples) {
              sampleTraceRoots.push(root);
            }
          }
          parts.push(Buffer.from(`{"_file":${fileIndex},"_seq":${seq++},${text.slice(1)}\n`));
        }
      }
      if (!out.write(Buffer.concat(parts))) await once(out, 'drain');
      const day = key.split('/').slice(4, 7).join('-');
      files.push({ key, day, at: f.at, jsonBytes, lines: f.lines.length, gzipBytes: gzip.length });
      dayFolderBytes.set(day, (dayFolderBytes.get(day) ?? 0) + gzip.length);
      totals.lines += stats.lines;
      totals.records += stats.records;
      totals.rejects += stats.rejects;
      totals.firehoseBytes += jsonBytes;
    }
  };

  let intervalStart = shape.start;
  let perNode: string[][] = Array.from({ length: nodes }, () => []);
  for (let i = 0; i < shape.lines; i++) {
    const line = next();
    // `time` is the second field; lines come in time order.
    const time = Date.parse(line.slice(line.indexOf(' ') + 1, line.indexOf(' ', line.indexOf(' ') + 1)));
    while (time >= intervalStart + INTERVAL_MS) {
      await writeInterval(intervalStart, perNode);
      intervalStart += INTERVAL_MS;
      perNode = Array.from({ length: nodes }, () => []);
    }
    perNode[Math.floor(random() * nodes)]!.push(line);
  }
  await writeInterval(intervalStart, perNode);
  out.end();
  await once(out, 'finish');
  return { shape, nodes, files, dayFolderBytes, sampleTraceRoots, recordsPath, ...totals };
}
