import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { main } from '../../bin/cli';
import { LineParser } from '../../lambda/parser/line-parser';
import { describeLogKey } from '../../lambda/s3/log-key';
import { albLine } from '../support/alb-line';
import { captureIo } from '../support/cli-io';
import { gz } from '../support/streams';

const SAMPLES = join(__dirname, '..', '..', 'samples');
const SAMPLE = join(SAMPLES, readdirSync(SAMPLES).find((f) => f.endsWith('.log.gz'))!);
const BIN = join(__dirname, '..', '..', 'bin', 'alb-iceberg.js');

async function cli(args: string[], stdin = '') {
  const { io, out, err } = captureIo(stdin);
  const code = await main(args, io);
  return { code, stdout: out(), stderr: err() };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'alb-iceberg-cli-'));

describe('alb-iceberg parse', () => {
  it('prints exactly the records the parser produces for the bundled sample, and a summary', async () => {
    // Prepare: the expected records, line by line, from the library itself
    const lines = gunzipSync(readFileSync(SAMPLE)).toString('utf8').split('\n');
    const parser = new LineParser(describeLogKey(SAMPLE));
    const expected = lines
      .map((l, i) => (l.trim() === '' ? undefined : parser.parse(l, i + 1)))
      .filter((r): r is string => typeof r === 'string');
    // Act
    const { code, stdout, stderr } = await cli(['parse', SAMPLE]);
    // Assess
    assert.equal(code, 0);
    assert.deepEqual(stdout.trimEnd().split('\n'), expected);
    assert.ok(expected.length >= 10);
    assert.match(stderr, new RegExp(`records: ${expected.length}\\n`));
    assert.match(stderr, /rejects: 1\n/);
    assert.match(stderr, /extra-field lines: 1\n/);
    assert.match(stderr, /firehose bytes per raw byte: \d\.\d{3}/);
    assert.match(stderr, /estimated firehose cost: \$\d+\.\d+ at \$0.075\/GB/);
  });

  it('works as the installed command (npx alb-iceberg) in a separate process', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'parse', SAMPLE]);
    assert.ok(stdout.split('\n').filter(Boolean).length >= 10);
    assert.match(stderr, /records: \d+/);
  });

  it('writes rejected lines with file, line number, reason and raw text to --rejects', async () => {
    const dir = tmp();
    const file = join(dir, 'x.log');
    const bad = albLine({ set: { elbStatus: 'oops' } });
    writeFileSync(file, `${albLine()}\n${bad}\n${albLine()}\n`);
    const { code, stdout } = await cli(['parse', '--rejects', join(dir, 'rejects.ndjson'), file]);
    assert.equal(code, 0, 'rejected lines are not an error');
    assert.equal(stdout.trimEnd().split('\n').length, 2);
    const rejects = readFileSync(join(dir, 'rejects.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0].file, file);
    assert.equal(rejects[0].line, 2);
    assert.equal(rejects[0].raw, bad);
    assert.match(rejects[0].reason, /elb_status_code/);
  });

  it('reads stdin with -, and takes metadata from --key', async () => {
    const key =
      'AWSLogs/1/elasticloadbalancing/eu-west-1/2026/11/23/111122223333_elasticloadbalancing_eu-west-1_app.a.b_20261123T1805Z_10.0.0.1_r.log.gz';
    const { code, stdout } = await cli(['parse', '--key', key, '-'], `${albLine()}\n`);
    assert.equal(code, 0);
    const row = JSON.parse(stdout);
    assert.equal(row.account_id, '111122223333');
    assert.equal(row.region, 'eu-west-1');
  });

  it('skips connection logs by name, as the pipeline does', async () => {
    const dir = tmp();
    const file = join(
      dir,
      'conn_log_123456789012_elasticloadbalancing_us-east-2_app.x.y_20261123T1805Z_1.2.3.4_r.log.gz',
    );
    writeFileSync(file, gz('conn log line\n'));
    const { code, stdout, stderr } = await cli(['parse', file]);
    assert.equal(code, 0);
    assert.equal(stdout, '');
    assert.match(stderr, /skipped.*alb-connection-log/);
  });

  it('fails with exit 1 and a clear message for a missing file', async () => {
    const { code, stderr } = await cli(['parse', '/nonexistent/file.log.gz']);
    assert.equal(code, 1);
    assert.match(stderr, /cannot read '\/nonexistent\/file.log.gz'/);
  });

  it('fails with exit 1 for a truncated gzip file, after printing the lines before the damage', async () => {
    const dir = tmp();
    const file = join(dir, 'cut.log.gz');
    const whole = gz(Array.from({ length: 3000 }, () => albLine()).join('\n'));
    writeFileSync(file, whole.subarray(0, whole.length - 40));
    const { code, stdout, stderr } = await cli(['parse', file]);
    assert.equal(code, 1);
    assert.match(stderr, /unreadable after line \d+: unexpected end of file/);
    assert.ok(stdout.split('\n').length > 100);
  });

  it('answers usage errors with exit 2 and help with exit 0', async () => {
    assert.equal((await cli(['parse'])).code, 2);
    assert.equal((await cli(['parse', '--bogus', SAMPLE])).code, 2);
    assert.equal((await cli(['parse', '--key', 'k', SAMPLE, SAMPLE])).code, 2);
    assert.equal((await cli(['nope'])).code, 2);
    const help = await cli(['parse', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--rejects FILE/);
  });
});
