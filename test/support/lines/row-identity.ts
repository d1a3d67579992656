/**
 * The line-identity promise (README, "Line identity"), for any log type: `account_id`, `region` and `source_file`
 * of a row name exactly one S3 object, the one the row came from (`logObjectKeyFor` in lambda/s3/log-key.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { logObjectKeyFor } from '../../../lambda/s3/log-key';
import type { LogTypeId } from '../../../lambda/schema/types';
import { parseObject } from './parse';

/**
 * @param keys keys of this type as AWS names them (date folders = the UTC date of the file's end time), each under
 *   a log prefix
 * @param line a valid line of the type
 */
export function itNamesItsSourceObject(
  logType: LogTypeId,
  keys: readonly { readonly prefix: string; readonly key: string }[],
  line: string,
  plain = false,
): void {
  it('gives every row the identity that rebuilds the S3 key of its object', async () => {
    for (const { prefix, key } of keys) {
      const { rows } = await parseObject(key, [line, line], plain);
      assert.equal(rows.length, 2, key);
      for (const [i, r] of rows.entries()) {
        assert.equal(r.line_number, i + 1);
        const rebuilt = logObjectKeyFor(logType, {
          prefix,
          account_id: r.account_id as string,
          region: r.region as string,
          source_file: r.source_file as string,
        });
        assert.equal(rebuilt, key);
      }
    }
  });
}
