/**
 * Chooses the line encoder of one object: the reference parser for every log type, or, for ALB access logs, the
 * WebAssembly kernel in front of it (kernel-encoder.ts). The switch exists so the format always has one definition a
 * reader can follow and run alone: `reference` (the ingest function's `PARSER_ENGINE`, `alb-iceberg parse
 * --engine`) runs the reference path only. Both give identical records (test/lambda/parser/kernel-encoder.test.ts); the kernel saves
 * CPU time per line (README, Performance).
 */
import type { LogSchema } from '../schema/types';
import type { LineEncoder } from './encoded-lines';
import { KernelEncoder } from './kernel-encoder';
import type { FileContext } from './record-keys';
import { ReferenceEncoder } from './reference-encoder';

export type ParserEngine = 'kernel' | 'reference';

export const PARSER_ENGINES: readonly ParserEngine[] = ['kernel', 'reference'];

/** The engine a setting names (unset or empty: `kernel`), or undefined for an unknown name. */
export function parserEngineNamed(raw: string | undefined): ParserEngine | undefined {
  if (raw === undefined || raw === '') return 'kernel';
  return PARSER_ENGINES.find((e) => e === raw);
}

export function createLineEncoder(schema: LogSchema, context: FileContext, engine: ParserEngine): LineEncoder {
  // The kernel is built for one format, configured from the ALB access-log schema (kernel/line-kernel.ts).
  return engine === 'kernel' && schema.id === 'alb-access'
    ? new KernelEncoder(context)
    : new ReferenceEncoder(schema, context);
}
