/**
 * The bundled samples (samples/): one file of every log type, named as AWS names it, so `alb-iceberg parse` and
 * `alb-iceberg query` recognise each by its name, as a new user's first commands do.
 */
import assert from 'node:assert/strict';
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { newObjectStats, parseLogObject } from '../lambda/parser/parse-object';
import { describeLogKey } from '../lambda/s3/log-key';
import { LOG_TYPE_IDS } from '../lambda/schema/log-types';

const DIR = join(__dirname, '..', 'samples');
const FILES = readdirSync(DIR).sort();

describe('bundled samples', () => {
  it('hold one file of every log type, recognised by its name', () => {
    const types = FILES.map((f) => describeLogKey(f).logType);
    assert.deepEqual([...types].sort(), [...LOG_TYPE_IDS].sort(), FILES.join(', '));
  });

  for (const file of FILES) {
    it(`${file}: every line becomes a record or a counted rejection`, async () => {
      const stats = newObjectStats();
      const logType = describeLogKey(file).logType;
      for await (const _ of parseLogObject(createReadStream(join(DIR, file)), { key: file, stats, logType })) {
        // records are counted in stats
      }
      assert.ok(stats.lines >= 10, `${stats.lines} lines`);
      assert.equal(stats.records + stats.rejects + stats.blankLines, stats.lines);
      // The ALB access sample keeps one malformed line on purpose (README "Try it"); the others have none.
      assert.equal(stats.rejects, logType === 'alb-access' ? 1 : 0);
    });
  }
});
