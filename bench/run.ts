/**
 * `npm run bench`: measures the parser against a floor in one run on this machine, so the figures are ratios that
 * hold across machines. Prints a table (copy the figures into the README).
 *
 *   BENCH_LINES   lines in the large corpus (default 600000; the small one has a tenth)
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { buildSync } from 'esbuild';
import { lineGenerator } from './corpus';
import type * as Pipelines from './pipelines';

const LINES = Number(process.env.BENCH_LINES ?? 600_000);
const ROUNDS = 3;
const DIR = join(__dirname, '..', '.bench');
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 200;

async function corpus(lines: number): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `corpus-${lines}.log.gz`);
  if (existsSync(file)) return file;
  const next = lineGenerator({ seed: 42 });
  const gzip = createGzip();
  const out = gzip.pipe(createWriteStream(`${file}.tmp`));
  for (let i = 0; i < lines; i++) {
    if (!gzip.write(`${next()}\n`)) await once(gzip, 'drain');
  }
  gzip.end();
  await once(out, 'finish');
  execFileSync('mv', [`${file}.tmp`, file]);
  return file;
}

/** Best of ROUNDS wall-clock seconds (the minimum is the least noisy estimate of the cost). */
async function time(fn: () => Promise<PipelineResult>): Promise<{ seconds: number; result: PipelineResult }> {
  let best = Number.POSITIVE_INFINITY;
  let result: PipelineResult | undefined;
  for (let i = 0; i < ROUNDS; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = process.hrtime.bigint();
    result = await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: best, result: result! };
}

type PipelineResult = Pipelines.PipelineResult;

/**
 * Bundles the pipelines with esbuild, as the Lambda is bundled, so the benchmark runs the same code shape as
 * production (not tsx's per-module transpilation, whose export getters cost several percent on the hot path).
 */
function bundle(): typeof Pipelines {
  for (const name of ['pipelines', 'rss-child']) {
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
  return require(join(DIR, 'pipelines.js'));
}

function rss(file: string): { maxRssBytes: number } {
  const out = execFileSync(process.execPath, [join(DIR, 'rss-child.js'), file], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const { csvParsePipeline, floorPipeline, naiveEncodingBytes, parsePipeline } = bundle();
  const large = await corpus(LINES);
  const small = await corpus(Math.floor(LINES / 10));
  const compressed = statSync(large).size;

  const floor = await time(() => floorPipeline(large));
  const parse = await time(() => parsePipeline(large));
  const csv = await time(() => csvParsePipeline(large));
  const naive = await naiveEncodingBytes(large);
  const rssSmall = rss(small);
  const rssLarge = rss(large);

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
  ];
  if (p.records + 0 !== p.lines || csv.result.records !== p.records) {
    lines.push('', `note: records ${p.records}, csv-parse records ${csv.result.records}, lines ${p.lines}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
