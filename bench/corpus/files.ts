/** Writes a corpus file of a log type to disk once (later runs reuse it: same name, same seed, same bytes). */
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { LogTypeId } from '../../lambda/schema/types';
import { typeCorpus } from './by-type';

/** The seed of every benchmark corpus. */
export const CORPUS_SEED = 42;

/**
 * The path of a corpus file of `lines` lines of `logType` under `dir`, written first if it is not there: gzipped
 * for the types production gzips, plain for Classic. ALB access files keep the name `corpus-<lines>.log.gz` of
 * the headline corpus.
 */
export async function corpusFile(dir: string, logType: LogTypeId, lines: number): Promise<string> {
  const corpus = typeCorpus(logType);
  mkdirSync(dir, { recursive: true });
  const base = logType === 'alb-access' ? `corpus-${lines}` : `corpus-${logType}-${lines}`;
  const file = join(dir, `${base}${corpus.gzip ? '.log.gz' : '.log'}`);
  if (existsSync(file)) return file;
  const next = corpus.generator({ seed: CORPUS_SEED });
  const out = createWriteStream(`${file}.tmp`);
  const gzip = corpus.gzip ? createGzip() : undefined;
  const sink: Writable = gzip ?? out;
  gzip?.pipe(out);
  for (let i = 0; i < lines; i++) {
    if (!sink.write(`${next()}\n`)) await once(sink, 'drain');
  }
  sink.end();
  await once(out, 'finish');
  renameSync(`${file}.tmp`, file);
  return file;
}
