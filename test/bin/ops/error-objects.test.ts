import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeRawData,
  Grouper,
  isRedrivenKey,
  normaliseReason,
  parseFirehoseErrorLine,
  parseRejectLine,
  prefixFolder,
  redrivenKey,
} from '../../../bin/ops/error-objects';
import { MAX_RECORD_BYTES } from '../../../lambda/parser/parse-object';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('parseFirehoseErrorLine', () => {
  it('reads the documented fields, in either spelling', () => {
    const lower = parseFirehoseErrorLine(
      JSON.stringify({
        attemptsMade: 2,
        arrivalTimestamp: 1763920800000,
        errorCode: 'Iceberg.NoSuchTable',
        errorMessage: 'm',
        rawData: b64('{}'),
      }),
    );
    assert.deepEqual(lower, {
      ok: true,
      value: {
        errorCode: 'Iceberg.NoSuchTable',
        errorMessage: 'm',
        rawData: 'e30=',
        attemptsMade: 2,
        arrivalTimestamp: 1763920800000,
      },
    });
    const upper = parseFirehoseErrorLine(JSON.stringify({ ErrorCode: 'X', ErrorMessage: 'y', rawData: '' }));
    assert.equal(upper.ok && upper.value.errorCode, 'X');
    assert.equal(upper.ok && upper.value.errorMessage, 'y');
  });

  it('says what is wrong with a line instead of throwing', () => {
    const cases: [string, string][] = [
      ['', 'not JSON'],
      ['{"errorCode": "X", ', 'not JSON'],
      ['[1,2]', 'not a JSON object'],
      ['null', 'not a JSON object'],
      ['"text"', 'not a JSON object'],
      ['{"rawData": "e30="}', 'no errorCode'],
      ['{"errorCode": "", "rawData": "e30="}', 'no errorCode'],
      ['{"errorCode": "X"}', 'no rawData'],
      ['{"errorCode": "X", "rawData": 5}', 'no rawData'],
    ];
    for (const [line, problem] of cases) assert.deepEqual(parseFirehoseErrorLine(line), { ok: false, problem }, line);
  });

  it('ignores fields of the wrong type', () => {
    const r = parseFirehoseErrorLine('{"errorCode":"X","rawData":"e30=","attemptsMade":"3","errorMessage":7}');
    assert.ok(r.ok);
    assert.equal(r.value.attemptsMade, undefined);
    assert.equal(r.value.errorMessage, undefined);
  });
});

describe('decodeRawData', () => {
  it('decodes base64 of UTF-8 text', () => {
    const r = decodeRawData(b64('{"a":"é"}'));
    assert.ok(r.ok);
    assert.equal(r.value.text, '{"a":"é"}');
    assert.deepEqual(r.value.data, Buffer.from('{"a":"é"}'));
  });

  it('rejects what cannot be the record that was sent', () => {
    assert.deepEqual(decodeRawData(''), { ok: false, problem: 'rawData is empty' });
    assert.deepEqual(decodeRawData('e30'), { ok: false, problem: 'rawData is not base64' }, 'bad padding');
    assert.deepEqual(decodeRawData('e3=0'), { ok: false, problem: 'rawData is not base64' });
    assert.deepEqual(decodeRawData('e30=\n'), { ok: false, problem: 'rawData is not base64' });
    assert.deepEqual(decodeRawData(b64(Buffer.from([0xc3, 0x28]))), {
      ok: false,
      problem: 'rawData is not UTF-8 text',
    });
    const big = decodeRawData(b64(Buffer.alloc(MAX_RECORD_BYTES + 1, 97)));
    assert.equal(big.ok, false);
    assert.match(big.ok ? '' : big.problem, /over the Firehose limit/);
  });
});

describe('parseRejectLine', () => {
  it('reads {file, line, reason, raw} and reports what is missing', () => {
    assert.deepEqual(parseRejectLine('{"file":"k","line":3,"reason":"r","raw":"x"}'), {
      ok: true,
      value: { file: 'k', line: 3, reason: 'r', raw: 'x' },
    });
    assert.deepEqual(parseRejectLine('{"file":"k","line":3,"reason":"r"}'), {
      ok: true,
      value: { file: 'k', line: 3, reason: 'r', raw: undefined },
    });
    assert.deepEqual(parseRejectLine('{"file":"k","line":"3","reason":"r"}'), { ok: false, problem: 'no line number' });
    assert.deepEqual(parseRejectLine('{"line":3,"reason":"r"}'), { ok: false, problem: 'no file' });
    assert.deepEqual(parseRejectLine('{"file":"k","line":3}'), { ok: false, problem: 'no reason' });
    assert.deepEqual(parseRejectLine('oops'), { ok: false, problem: 'not JSON' });
  });
});

describe('normaliseReason', () => {
  it('drops values so that one problem is one group', () => {
    const group = (r: string) => normaliseReason(r);
    assert.equal(
      group('field 9 (elb_status_code) "abc" is not an integer in range'),
      'field N (elb_status_code) "…" is not an integer in range',
    );
    assert.equal(
      group('field 9 (elb_status_code) "x\\"1" is not an integer in range'),
      group('field 9 (elb_status_code) "" is not an integer in range'),
    );
    assert.equal(
      group('too few fields: 3 (an access-log entry has at least 18)'),
      'too few fields: N (an access-log entry has at least N)',
    );
    assert.equal(group('line too long: 2000000 characters (limit 1048576)'), 'line too long: N characters (limit N)');
    assert.equal(
      group('field 6 (request_processing_time) "0.5.1" is not a number'),
      'field N (request_processing_time) "…" is not a number',
    );
    assert.notEqual(
      group('field 9 (elb_status_code) "abc" is not an integer in range'),
      group('field 10 (target_status_code) "abc" is not an integer in range'),
      'different fields stay apart',
    );
  });
});

describe('redriven keys', () => {
  it('puts redriven objects in a redriven/ folder under the prefix folder, which listings skip', () => {
    const key = 'firehose-errors/iceberg-failed/2026/11/23/18/s-1-2026-11-23-18-00-00-uuid';
    assert.equal(
      redrivenKey(key, 'firehose-errors/'),
      'firehose-errors/redriven/iceberg-failed/2026/11/23/18/s-1-2026-11-23-18-00-00-uuid',
    );
    assert.equal(prefixFolder('firehose-errors/iceberg-failed/2026/11/2'), 'firehose-errors/iceberg-failed/2026/11/');
    const narrow = redrivenKey(key, 'firehose-errors/iceberg-failed/2026/11/2');
    assert.equal(narrow, 'firehose-errors/iceberg-failed/2026/11/redriven/23/18/s-1-2026-11-23-18-00-00-uuid');
    assert.equal(isRedrivenKey(key, 'firehose-errors/'), false);
    assert.equal(isRedrivenKey(redrivenKey(key, 'firehose-errors/'), 'firehose-errors/'), true);
    assert.equal(isRedrivenKey(narrow, 'firehose-errors/'), true, 'also when redriven with a narrower prefix');
    assert.equal(
      isRedrivenKey('firehose-errors/x/redriven', 'firehose-errors/'),
      false,
      'a file named redriven is not a folder',
    );
    assert.equal(
      isRedrivenKey('firehose-errors/redriven/x', 'firehose-errors/redriven/'),
      false,
      'listing the folder itself',
    );
  });
});

describe('Grouper', () => {
  it('counts, keeps the first samples, and sorts by count', () => {
    const g = new Grouper<number>(2);
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['b', 3],
      ['b', 4],
      ['c', 5],
    ] as const) {
      g.add(k, () => v);
    }
    assert.equal(g.total, 5);
    assert.deepEqual(
      g.sorted().map((x) => [x.key, x.count, x.samples]),
      [
        ['b', 3, [2, 3]],
        ['a', 1, [1]],
        ['c', 1, [5]],
      ],
    );
  });
});
