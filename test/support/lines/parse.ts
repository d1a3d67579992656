/**
 * Running one log type's lines through the product code, for the schema tests: the reference parser line by line
 * (`row`, `rejection`), and whole objects through `parseLogObject`, which routes by key and counts every line.
 */
import assert from 'node:assert/strict';
import { type FileContext, LineParser, type Rejection } from '../../../lambda/parser/line-parser';
import { newObjectStats, parseLogObject, type RejectedLine } from '../../../lambda/parser/parse-object';
import type { LogSchema } from '../../../lambda/schema/types';
import { chunked, gz } from '../streams';

/** The file facts every row of the line tests carries. */
export const FILE: FileContext = { accountId: '123456789012', region: 'us-east-2', sourceFile: 'test-object' };

/** The record columns FILE adds to every row. */
export const FILE_COLUMNS = { account_id: '123456789012', region: 'us-east-2', source_file: 'test-object' } as const;

/** The record `line` of `schema` becomes (asserted to be one, not a rejection). */
export function row(schema: LogSchema, line: string, lineNumber = 1): Record<string, unknown> {
  const out = new LineParser(FILE, schema).parse(line, lineNumber);
  assert.equal(typeof out, 'string', `expected a record, got ${JSON.stringify(out)}`);
  return JSON.parse(out as string);
}

/** Why `line` of `schema` is rejected (asserted to be rejected). */
export function rejection(schema: LogSchema, line: string): string {
  const out = new LineParser(FILE, schema).parse(line, 1);
  assert.notEqual(typeof out, 'string', `expected a rejection, got ${out}`);
  return (out as Rejection).reason;
}

export interface ParsedObject {
  readonly stats: ReturnType<typeof newObjectStats>;
  readonly rows: Record<string, unknown>[];
  readonly rejects: RejectedLine[];
}

/**
 * Parses `lines` as the body of the S3 object `key` (gzipped unless `plain`), in small chunks, as the ingest
 * function does: the key alone decides the log type.
 */
export async function parseObject(key: string, lines: readonly string[], plain = false): Promise<ParsedObject> {
  const text = `${lines.join('\n')}\n`;
  const body = plain ? Buffer.from(text) : gz(text);
  const stats = newObjectStats();
  const rows: Record<string, unknown>[] = [];
  const rejects: RejectedLine[] = [];
  for await (const chunk of parseLogObject(chunked(body, 64), { key, stats })) {
    for (const r of chunk.records) rows.push(JSON.parse(new TextDecoder().decode(r.data)));
    rejects.push(...chunk.rejects);
  }
  return { stats, rows, rejects };
}
