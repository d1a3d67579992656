/**
 * The JSON text around every record's values, derived from a log type's schema once. The reference parser
 * (line-parser.ts) and the line kernel (configured by kernel/line-kernel.ts, ALB access logs only) both write exactly
 * these bytes.
 */
import type { LogSchema } from '../schema/types';
import { jsonString } from './json';

/** File-level facts repeated on every row of one object. */
export interface FileContext {
  readonly accountId?: string;
  readonly region?: string;
  readonly sourceFile?: string;
}

export interface RecordKeys {
  /** Every record starts with its line number (always present, so no separator logic is needed): `{"line_number":`. */
  readonly start: string;
  /** `,"name":` for each column each log field fills, in field order. */
  readonly fields: readonly (readonly string[])[];
  /** `,"extra_fields":` */
  readonly extra: string;
}

const CACHE = new WeakMap<LogSchema, RecordKeys>();

export function recordKeysOf(schema: LogSchema): RecordKeys {
  let keys = CACHE.get(schema);
  if (!keys) {
    keys = {
      start: `{"${schema.shared.lineNumber.name}":`,
      fields: schema.fields.map((f) => f.columns.map((c) => `,"${c.name}":`)),
      extra: `,"${schema.shared.extraFields.name}":`,
    };
    CACHE.set(schema, keys);
  }
  return keys;
}

/**
 * `,"account_id":…,"region":…,"source_file":…}`: the end of every record of one file (absent facts omitted). Every
 * schema shares these column names (schema/types.ts, sharedColumns).
 */
export function recordSuffix(schema: LogSchema, context: FileContext): string {
  const { accountId, region, sourceFile } = schema.shared;
  let suffix = '';
  if (context.accountId) suffix += `,"${accountId.name}":${jsonString(context.accountId)}`;
  if (context.region) suffix += `,"${region.name}":${jsonString(context.region)}`;
  if (context.sourceFile) suffix += `,"${sourceFile.name}":${jsonString(context.sourceFile)}`;
  return `${suffix}}`;
}
