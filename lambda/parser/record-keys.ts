/**
 * The JSON text around every record's values, derived from the schema once. The reference parser
 * (line-parser.ts) and the line kernel (configured by kernel/line-kernel.ts) both write exactly these bytes.
 */
import {
  ACCOUNT_ID_COLUMN,
  EXTRA_FIELDS_COLUMN,
  LINE_NUMBER_COLUMN,
  LOG_FIELDS,
  REGION_COLUMN,
  SOURCE_FILE_COLUMN,
} from '../schema/columns';
import { jsonString } from './json';
import type { FileContext } from './line-parser';

/** Every record starts with its line number (always present, so no separator logic is needed). */
export const RECORD_START = `{"${LINE_NUMBER_COLUMN.name}":`;
/** `,"name":` for each column each log field fills, in LOG_FIELDS order. */
export const FIELD_KEYS: readonly (readonly string[])[] = LOG_FIELDS.map((f) => f.columns.map((c) => `,"${c.name}":`));
export const EXTRA_KEY = `,"${EXTRA_FIELDS_COLUMN.name}":`;

/** `,"account_id":…,"region":…,"source_file":…}`: the end of every record of one file (absent facts omitted). */
export function recordSuffix(context: FileContext): string {
  let suffix = '';
  if (context.accountId) suffix += `,"${ACCOUNT_ID_COLUMN.name}":${jsonString(context.accountId)}`;
  if (context.region) suffix += `,"${REGION_COLUMN.name}":${jsonString(context.region)}`;
  if (context.sourceFile) suffix += `,"${SOURCE_FILE_COLUMN.name}":${jsonString(context.sourceFile)}`;
  return `${suffix}}`;
}
