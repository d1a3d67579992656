/**
 * `npm run bench`: measures the parser against a floor in one run on this machine, so the figures are ratios that
 * hold across machines. Prints a table (copy the figures into the README).
 *
 *   BENCH_LINES        lines in the large corpus (default 600000; the small one has a tenth)
 *   BENCH_TYPE_LINES   lines in each log type's corpus, for the per-type table and the kernel decision (default 200000)
 */
import { execFileSync, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { buildSync } from 'esbuild';
import { LOG_TYPE_IDS } from '../lambda/schema/log-types';
import { typeCorpus } from './corpus/by-type';
import { corpusFile } from './corpus/files';
import type * as HandlerPath from './handler-path';
import { kernelDecisionLines } from './kernel-decision';
import type { LedgerFigures } from './ledger';
import type * as Pipelines from './pipelines';
import { type Timing, timeInterleaved, time as timeRounds } from './timing';
import { measureType, type TypeFigures, typeTableLines } from './type-table';

const LINES = Number(process.env.BENCH_LINES ?? 600_000);
const TYPE_LINES = Number(process.env.BENCH_TYPE_LINES ?? 200_000);
/** The non-ALB type whose handler path (reference parser) is measured beside ALB access logs'. */
const OTHER_HANDLER_TYPE = 'nlb-access';
const ROUNDS = 3;
/** The floor and parse rounds, which give the headline ratio: more of them, for a steadier minimum. */
const RATIO_ROUNDS = 5;
const DIR = join(__dirname, '..', '.bench');
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 200;

const corpus = (lines: number) => corpusFile(DIR, 'alb-access', lines);

/** Best of ROUNDS (bench/timing.ts). */
const time = <T>(fn: () => Promise<T>) => timeRounds(fn, ROUNDS);

/**
 * Bundles the pipelines with esbuild, as the Lambda is bundled, so the benchmark runs the same code shape as
 * production (not tsx's per-module transpilation, whose export getters cost several percent on the hot path).
 */
function bundle(): { pipelines: typeof Pipelines; handler: typeof HandlerPath } {
  for (const name of ['pipelines', 'rss-child', 'handler-path']) {
    buildSync({
      entryPoints: [join(__dirname, `${name}.ts`)],
      outfile: join(DIR, `${name}.js`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'warning',
    });
  }
  return { pipelines: require(join(DIR, 'pipelines.js')), handler: require(join(DIR, 'handler-path.js')) };
}

/** Starts bench/peers.ts in its own process with the corpus files loaded; resolves to its endpoints. */
async function startPeers(files: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'peers.ts'), ...files], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  const peers = JSON.parse(out) as HandlerPath.PeerEndpoints & { keys: Record<string, string> };
  return { peers, stop: () => child.stdin.end() };
}

function rss(...args: string[]): { maxRssBytes: number } {
  const out = execFileSync(
    process.execPath,
    [join(DIR, args.length > 1 ? 'handler-path.js' : 'rss-child.js'), ...args],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim().split('\n').pop()!);
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** On-demand write request units, us-east-1 (https://aws.amazon.com/dynamodb/pricing/on-demand/). */
const DOLLARS_PER_MILLION_WRITES = 0.625;

/** bench/ledger.ts in its own process (its peers and dynalite share that process, not this one). */
function ledgerFigures(corpusFile: string): LedgerFigures {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'ledger.ts'), corpusFile], {
    encoding: 'utf8',
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

/** Ledger writes and their cost for 100 GB of raw logs in files like this one. */
function ledgerCostRow(label: string, o: LedgerFigures['small']): string {
  const objectsPer100Gb = (100 * 1024 ** 3) / o.rawBytes;
  const writeUnits = o.writes * Math.ceil(o.itemBytes / 1024);
  const dollars = (objectsPer100Gb * writeUnits * DOLLARS_PER_MILLION_WRITES) / 1e6;
  return (
    `| ledger writes, ${label} (${o.lines} lines, ${mb(o.rawBytes)} MiB raw) | ${o.writes} writes, ${writeUnits} write units ` +
    `(largest item ${o.itemBytes} bytes), ${o.reads} reads; $${dollars.toFixed(3)} per 100 GB of raw logs in such files | |`
  );
}

/**
 * The per-type table and the kernel decision: each log type's corpus through the floor and the parse pipeline, then
 * the handler path for ALB access logs with either engine (rounds interleaved) and for {@link OTHER_HANDLER_TYPE}.
 */
async function typeSections(pipelines: typeof Pipelines, handler: typeof HandlerPath): Promise<string[]> {
  const figures: TypeFigures[] = [];
  const files = new Map<string, string>();
  for (const logType of LOG_TYPE_IDS) {
    const file = await corpusFile(DIR, logType, TYPE_LINES);
    files.set(logType, file);
    figures.push(await measureType(pipelines, typeCorpus(logType), file, ROUNDS));
  }
  const albFile = files.get('alb-access')!;
  const otherFile = files.get(OTHER_HANDLER_TYPE)!;
  const { peers, stop } = await startPeers([
    `${typeCorpus('alb-access').key(basename(albFile))}=${albFile}`,
    `${typeCorpus(OTHER_HANDLER_TYPE).key(basename(otherFile))}=${otherFile}`,
  ]);
  let kernel: Timing<HandlerPath.HandlerPathResult>;
  let reference: Timing<HandlerPath.HandlerPathResult>;
  let other: Timing<HandlerPath.HandlerPathResult>;
  try {
    [kernel, reference] = (await timeInterleaved(
      [
        () => handler.handlerPath(peers, peers.keys[albFile]!, 'kernel'),
        () => handler.handlerPath(peers, peers.keys[albFile]!, 'reference'),
      ],
      RATIO_ROUNDS,
    )) as [Timing<HandlerPath.HandlerPathResult>, Timing<HandlerPath.HandlerPathResult>];
    other = await timeRounds(() => handler.handlerPath(peers, peers.keys[otherFile]!, 'reference'), RATIO_ROUNDS);
  } finally {
    stop();
  }
  const bytesPerRecord = (logType: string) => {
    const p = figures.find((f) => f.logType === logType)!.parse[0]!.timing.result;
    return p.rawBytes / p.records;
  };
  const albParse = figures.find((f) => f.logType === 'alb-access')!.parse;
  const parseMicros = (engine: string) => {
    const t = albParse.find((e) => e.engine === engine)!.timing;
    return (t.cpuSeconds * 1e6) / t.result.lines;
  };
  return [
    `per log type: ${TYPE_LINES} lines each (seed 42), best of ${ROUNDS}, floor and parse rounds interleaved`,
    '',
    ...typeTableLines(figures),
    '',
    `kernel decision: handler path CPU per record, ${TYPE_LINES}-line corpora, best of ${RATIO_ROUNDS} (kernel and reference rounds interleaved)`,
    '',
    ...kernelDecisionLines({
      kernel,
      reference,
      rawBytesPerRecord: bytesPerRecord('alb-access'),
      parseMicrosPerLine: { kernel: parseMicros('kernel'), reference: parseMicros('reference') },
      other: { logType: OTHER_HANDLER_TYPE, timing: other, rawBytesPerRecord: bytesPerRecord(OTHER_HANDLER_TYPE) },
    }),
  ];
}

async function main(): Promise<void> {
  const { pipelines, handler } = bundle();
  const { csvParsePipeline, floorPipeline, naiveEncodingBytes, parsePipeline } = pipelines;
  const large = await corpus(LINES);
  const small = await corpus(Math.floor(LINES / 10));
  const compressed = statSync(large).size;

  const [floor, parse] = (await timeInterleaved<Pipelines.PipelineResult>(
    [() => floorPipeline(large), () => parsePipeline(large)],
    RATIO_ROUNDS,
  )) as [Timing<Pipelines.PipelineResult>, Timing<Pipelines.PipelineResult>];
  const csv = await time(() => csvParsePipeline(large));
  const naive = await naiveEncodingBytes(large);
  const rssSmall = rss(small);
  const rssLarge = rss(large);

  const { peers, stop } = await startPeers([large, small]);
  let handlerRun: { seconds: number; cpuSeconds: number; result: HandlerPath.HandlerPathResult };
  let handlerRssSmall: { maxRssBytes: number };
  let handlerRssLarge: { maxRssBytes: number };
  try {
    handlerRun = await time(() => handler.handlerPath(peers, peers.keys[large]!));
    handlerRssSmall = rss(JSON.stringify(peers), peers.keys[small]!);
    handlerRssLarge = rss(JSON.stringify(peers), peers.keys[large]!);
  } finally {
    stop();
  }

  const ledger = ledgerFigures(small);
  const kills = [...ledger.kills.duplicates].sort((a, b) => a - b);

  const p = parse.result;
  const ratio = parse.seconds / floor.seconds;
  const bytesPerRaw = p.recordBytes / p.rawBytes;
  const lines = [
    `corpus: ${p.lines} lines, ${mb(compressed)} MiB gzipped, ${mb(p.rawBytes)} MiB raw`,
    '',
    '| measure | value | target |',
    '| --- | --- | --- |',
    `| floor (gunzip + split lines) | ${floor.seconds.toFixed(3)} s (${(p.lines / floor.seconds / 1000).toFixed(0)}k lines/s) | |`,
    `| parse pipeline (bytes → encoded records) | ${parse.seconds.toFixed(3)} s (${(p.lines / parse.seconds / 1000).toFixed(0)}k lines/s, ${mb(compressed / parse.seconds)} MiB/s gzipped) | |`,
    `| parse / floor | ${ratio.toFixed(2)} | ≤ ${TARGET_RATIO} ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'} |`,
    `| csv-parse pipeline / floor | ${(csv.seconds / floor.seconds).toFixed(2)} | (comparison) |`,
    `| Firehose bytes per raw log byte | ${bytesPerRaw.toFixed(3)} | leanest encoding |`,
    `| naive all-strings mapping, bytes per raw byte | ${(naive / p.rawBytes).toFixed(3)} | (comparison) |`,
    `| peak RSS, ${Math.floor(LINES / 10)} lines | ${mb(rssSmall.maxRssBytes)} MiB | |`,
    `| peak RSS, ${LINES} lines | ${mb(rssLarge.maxRssBytes)} MiB | ≤ ${TARGET_RSS_MB} MiB and flat ${rssLarge.maxRssBytes <= TARGET_RSS_MB * 1048576 ? 'met' : 'MISSED'} |`,
    `| RSS growth for 10× the file | ${(rssLarge.maxRssBytes / rssSmall.maxRssBytes).toFixed(2)}× | ≈ 1 |`,
    `| parse pipeline CPU | ${parse.cpuSeconds.toFixed(3)} s (${(p.lines / parse.cpuSeconds / 1000).toFixed(0)}k lines/s per core) | |`,
    `| handler path CPU (SQS event → S3 → parse → PutRecordBatch over HTTP) | ${handlerRun.cpuSeconds.toFixed(3)} s (${(handlerRun.result.records / handlerRun.cpuSeconds / 1000).toFixed(0)}k records/s, ${mb(compressed / handlerRun.cpuSeconds)} MiB/s gzipped per core; wall ${handlerRun.seconds.toFixed(2)} s with the peers on the other core) | |`,
    `| handler path / parse pipeline (CPU) | ${(handlerRun.cpuSeconds / parse.cpuSeconds).toFixed(2)} | small overhead |`,
    `| handler peak RSS, ${Math.floor(LINES / 10)} → ${LINES} lines | ${mb(handlerRssSmall.maxRssBytes)} → ${mb(handlerRssLarge.maxRssBytes)} MiB | flat |`,
    ledgerCostRow('small file', ledger.small),
    ledgerCostRow('large file', ledger.large),
    `| handler wall time added by the ledger, per small file | ${ledger.addedMsPerSmallObject.toFixed(1)} ms (on ${ledger.msPerSmallObjectWithout.toFixed(1)} ms; dynalite on loopback in the same process) | small |`,
    `| records sent twice per hard kill (${ledger.kills.lines} lines, checkpoint every ${ledger.checkpointEveryLines}), ${kills.length} kills | min ${kills[0]}, median ${kills[Math.floor(kills.length / 2)]}, max ${kills[kills.length - 1]} | ≤ ${ledger.kills.bound} (documented bound) ${kills[kills.length - 1]! <= ledger.kills.bound ? 'met' : 'MISSED'} |`,
  ];
  if (handlerRun.result.records !== p.records || handlerRun.result.failures !== 0) {
    lines.push(
      '',
      `note: handler delivered ${handlerRun.result.records} of ${p.records} records, failures ${handlerRun.result.failures}`,
    );
  }
  if (p.records + 0 !== p.lines || csv.result.records !== p.records) {
    lines.push('', `note: records ${p.records}, csv-parse records ${csv.result.records}, lines ${p.lines}`);
  }
  // The headline table first: the per-type sections take minutes more.
  process.stdout.write(`${lines.join('\n')}\n\n`);
  process.stdout.write(`${(await typeSections(pipelines, handler)).join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
