/**
 * The per-type table of `npm run bench`: for each log type, on its own corpus, the floor (gunzip + split lines),
 * the parse pipeline with the reference parser (and, for ALB access logs, the kernel too), their ratio, throughput
 * Firehose bytes per raw log byte, and the parser's own CPU per line (the parse pipeline's CPU above the floor's)
 * with its Lambda dollars per 100 GB of raw logs of the type: the most any faster parser could save on that type.
 * Each type's rounds are interleaved, so its ratio compares like with like.
 */
import { statSync } from 'node:fs';
import type { ParserEngine } from '../lambda/parser/line-encoder';
import type { LogTypeId } from '../lambda/schema/types';
import type { TypeCorpus } from './corpus/by-type';
import { lambdaDollarsPer100Gb } from './lambda-cost';
import type * as Pipelines from './pipelines';
import { type Timing, timeInterleaved } from './timing';

export interface TypeFigures {
  readonly logType: LogTypeId;
  readonly fileBytes: number;
  readonly floor: Timing<Pipelines.PipelineResult>;
  /** The parse pipeline per engine measured: the kernel only where it applies (ALB access logs). */
  readonly parse: readonly { readonly engine: ParserEngine; readonly timing: Timing<Pipelines.PipelineResult> }[];
}

/** Measures one type's corpus file: floor and parse rounds alternate, best of `rounds` each. */
export async function measureType(
  pipelines: typeof Pipelines,
  corpus: TypeCorpus,
  file: string,
  rounds: number,
): Promise<TypeFigures> {
  const key = corpus.key(file.slice(file.lastIndexOf('/') + 1));
  const engines: ParserEngine[] = corpus.logType === 'alb-access' ? ['kernel', 'reference'] : ['reference'];
  const [floor, ...parse] = await timeInterleaved<Pipelines.PipelineResult>(
    [
      () => pipelines.floorPipeline(file),
      ...engines.map((engine) => () => pipelines.typedParsePipeline(file, key, corpus.logType, engine)),
    ],
    rounds,
  );
  return {
    logType: corpus.logType,
    fileBytes: statSync(file).size,
    floor: floor!,
    parse: parse.map((timing, i) => ({ engine: engines[i]!, timing })),
  };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const klines = (lines: number, seconds: number) => `${(lines / seconds / 1000).toFixed(0)}k`;

/** The table as Markdown lines, plus a note for any corpus the product did not parse in full. */
export function typeTableLines(figures: readonly TypeFigures[]): string[] {
  const out = [
    '| log type | corpus: lines, MiB on disk, MiB raw | floor | engine | parse pipeline | parse / floor | lines/s (per CPU-second) | Firehose bytes per raw byte | parse CPU above the floor, per line | that CPU in Lambda $ per 100 GB raw |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const notes: string[] = [];
  for (const f of figures) {
    for (const { engine, timing } of f.parse) {
      const p = timing.result;
      const parserMicros = ((timing.cpuSeconds - f.floor.cpuSeconds) * 1e6) / p.lines;
      out.push(
        `| ${f.logType} | ${p.lines}, ${mb(f.fileBytes)}, ${mb(p.rawBytes)} | ${f.floor.seconds.toFixed(3)} s | ${engine} | ` +
          `${timing.seconds.toFixed(3)} s | ${(timing.seconds / f.floor.seconds).toFixed(2)} | ` +
          `${klines(p.lines, timing.seconds)} (${klines(p.lines, timing.cpuSeconds)}) | ${(p.recordBytes / p.rawBytes).toFixed(3)} | ` +
          `${parserMicros.toFixed(2)} µs | $${lambdaDollarsPer100Gb(parserMicros, p.rawBytes / p.lines).toFixed(3)} |`,
      );
      if (p.records !== p.lines) notes.push(`note: ${f.logType} (${engine}): ${p.records} records of ${p.lines} lines`);
    }
  }
  return notes.length > 0 ? [...out, '', ...notes] : out;
}
