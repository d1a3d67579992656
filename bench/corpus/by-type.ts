/**
 * The benchmark corpus of every log type: its line generator, the S3 key a file of it is parsed under (the shape
 * production writes, so records carry the metadata they carry in production), and whether its files are gzipped
 * (Classic writes plain `.log` files; every other type `.log.gz`).
 */
import { LOG_FILE_SUFFIX, logObjectKeyFor } from '../../lambda/s3/log-key';
import type { LogTypeId } from '../../lambda/schema/types';
import { type CorpusOptions, lineGenerator } from '../corpus';
import { albConnectionLineGenerator } from './alb-connection';
import { albHealthCheckLineGenerator } from './alb-health-check';
import { clbAccessLineGenerator } from './clb-access';
import { nlbAccessLineGenerator } from './nlb-access';

export interface TypeCorpus {
  readonly logType: LogTypeId;
  readonly generator: (options?: CorpusOptions) => () => string;
  /** Whether files of this type are gzipped (the suffix production writes, log-key.ts's LOG_FILE_SUFFIX). */
  readonly gzip: boolean;
  /**
   * The S3 key of a corpus file: the type's production file name with the file's own name as its random part.
   * @param name the corpus file's name (letters and digits are kept)
   */
  readonly key: (name: string) => string;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
/** The end time and node of every corpus file (the interval its first lines fall in). */
const END_AND_NODE = '20261123T1805Z_10.0.0.1';

/** `source_file` of each type before the random part (log-key.ts documents each name). */
const NAME_BEFORE_RANDOM: Readonly<Record<LogTypeId, string>> = {
  'alb-access': `app.prod-web.50dc6c495c0c9188_${END_AND_NODE}`,
  'alb-connection': `app.prod-web.50dc6c495c0c9188_${END_AND_NODE}`,
  'alb-health-check': `app.prod-web.50dc6c495c0c9188_${END_AND_NODE}`,
  // NLB file names have no node IP.
  'nlb-access': 'net.prod-tls.0123456789abcdef_20261123T1805Z',
  'clb-access': `prod-classic_${END_AND_NODE}`,
};

const keyOf = (logType: LogTypeId) => (name: string) =>
  logObjectKeyFor(logType, {
    prefix: '',
    account_id: ACCOUNT,
    region: REGION,
    source_file: `${NAME_BEFORE_RANDOM[logType]}_${name.replace(/[^a-z0-9]/gi, '').slice(0, 12)}`,
  });

const GENERATORS: Readonly<Record<LogTypeId, (options?: CorpusOptions) => () => string>> = {
  'alb-access': lineGenerator,
  'alb-connection': albConnectionLineGenerator,
  'alb-health-check': albHealthCheckLineGenerator,
  'nlb-access': nlbAccessLineGenerator,
  'clb-access': clbAccessLineGenerator,
};

/** The corpus of one log type. */
export function typeCorpus(logType: LogTypeId): TypeCorpus {
  return {
    logType,
    generator: GENERATORS[logType],
    gzip: LOG_FILE_SUFFIX[logType].endsWith('.gz'),
    key: keyOf(logType),
  };
}
