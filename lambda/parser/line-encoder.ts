/**
 * Chooses the line encoder of one object: the reference parser for every log type, or, for ALB access logs, the
 * WebAssembly kernel in front of it (kernel-encoder.ts). The switch exists so the format always has one definition a
 * reader can follow and run alone: `PARSER_ENGINE=reference` (the ingest function's environment, or the CLI's) runs
 * the reference path only. Both give identical records (test/lambda/parser/kernel-encoder.test.ts); the kernel saves
 * CPU time per line (README, Performance).
 */
import type { LogSchema } from '../schema/types';
import type { LineEncoder } from './encoded-lines';
import { KernelEncoder } from './kernel-encoder';
import type { FileContext } from './record-keys';
import { ReferenceEncoder } from './reference-encoder';

export type ParserEngine = 'kernel' | 'reference';

/** The environment variable that selects the engine; unset means `kernel`. */
export const PARSER_ENGINE_ENV = 'PARSER_ENGINE';

/** The engine named by the environment. An unknown value is an error, not a silent default. */
export function parserEngineFrom(env: NodeJS.ProcessEnv): ParserEngine {
  const raw = env[PARSER_ENGINE_ENV];
  if (raw === undefined || raw === '' || raw === 'kernel') return 'kernel';
  if (raw === 'reference') return 'reference';
  throw new Error(`${PARSER_ENGINE_ENV} must be 'kernel' or 'reference', got '${raw}'`);
}

export function createLineEncoder(schema: LogSchema, context: FileContext, engine: ParserEngine): LineEncoder {
  // The kernel is built for one format, configured from the ALB access-log schema (kernel/line-kernel.ts).
  return engine === 'kernel' && schema.id === 'alb-access'
    ? new KernelEncoder(context)
    : new ReferenceEncoder(schema, context);
}
