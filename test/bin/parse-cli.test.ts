import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
const SAMPLE = join(SAMPLES, readdirSync(SAMPLES).find((f) => f.includes('_app.my-loadbalancer.'))!);
const BIN = join(__dirname, '..', '..', 'bin', 'alb-iceberg.js');

async function cli(args: string[], stdin = '') {
  const { io, out, err } = captureIo(stdin);
  const code = await main(args, io);
  return { code, stdout: out(), stderr: err() };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'alb-iceberg-cli-'));

const ACCOUNT = '123456789012';
/** AWS's example connection-log line (load-balancer-connection-logs.html). */
const CONNECTION_LINE =
  '2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Success TID_3180a73013c8ca4bac2f731159d4b0fe';

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

  it('reads a connection log by its name with the connection-log schema, as the pipeline does', async () => {
    const dir = tmp();
    const file = join(
      dir,
      `conn_log_${ACCOUNT}_elasticloadbalancing_us-east-2_app.x.0a1b_20261123T1805Z_1.2.3.4_r.log.gz`,
    );
    writeFileSync(file, gz(`${CONNECTION_LINE}\n`));
    const { code, stdout } = await cli(['parse', file]);
    assert.equal(code, 0);
    const row = JSON.parse(stdout);
    assert.equal(row.conn_trace_id, 'TID_3180a73013c8ca4bac2f731159d4b0fe');
    assert.equal(row.tls_verify_status, 'Success');
    assert.equal(row.source_file, 'app.x.0a1b_20261123T1805Z_1.2.3.4_r');
  });

  it('takes the log type from --type over the name, and rejects an unknown type as a usage error', async () => {
    const { code, stdout } = await cli(['parse', '--type', 'alb-connection', '-'], `${CONNECTION_LINE}\n`);
    assert.equal(code, 0);
    assert.equal(JSON.parse(stdout).client_port, 36280);
    // Without --type, a name of its own is read as an ALB access log: the connection line is rejected.
    const asAccess = await cli(['parse', '-'], `${CONNECTION_LINE}\n`);
    assert.equal(asAccess.stdout, '');
    assert.match(asAccess.stderr, /rejects: 1/);
    const bad = await cli(['parse', '--type', 'gwlb', '-'], '');
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /--type must be one of alb-access, alb-connection, alb-health-check, nlb-access, clb-access, got 'gwlb'/,
    );
  });

  it('gives the same records with --engine reference as with the kernel', async () => {
    const kernel = await cli(['parse', SAMPLE]);
    const reference = await cli(['parse', '--engine', 'reference', SAMPLE]);
    assert.ok(kernel.stdout.length > 0);
    assert.equal(reference.stdout, kernel.stdout);
    assert.equal((await cli(['parse', '--engine', 'fast', SAMPLE])).code, 2);
  });

  it('skips the ELB test file and CloudWatch-delivered objects by name', async () => {
    const dir = tmp();
    const file = join(dir, 'ELBAccessLogTestFile');
    writeFileSync(file, 'Enable AccessLog for ELB: my-lb at 2026-11-23T18:05:00.000Z\n');
    const { code, stdout, stderr } = await cli(['parse', file]);
    assert.equal(code, 0);
    assert.equal(stdout, '');
    assert.match(stderr, /skipped.*elb-test-file/);
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

/** No traceback: a user error is one message, never `    at fn (file:line)`. */
const noStack = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at /m);

describe('alb-iceberg parse: inputs are never written over', () => {
  it('refuses --rejects naming an existing file (a.log.gz b.log.gz reads --rejects as a flag): a stays intact', async () => {
    const dir = tmp();
    const a = join(dir, 'a.log.gz');
    const b = join(dir, 'b.log.gz');
    writeFileSync(a, gz(`${albLine()}\n`));
    writeFileSync(b, gz(`${albLine()}\n`));
    const before = readFileSync(a);
    const { code, stdout, stderr } = await cli(['parse', '--rejects', a, b]);
    assert.equal(code, 2);
    assert.equal(stdout, '', 'nothing read');
    assert.match(stderr, /--rejects '.*a\.log\.gz' exists: pass --force to overwrite it/);
    assert.match(stderr, /Run 'alb-iceberg parse --help' for usage\.\n$/);
    assert.deepEqual(readFileSync(a), before);
  });

  it('refuses --rejects that is an input, even with --force, whatever path names it (same, ./, symlink, hard link)', async () => {
    const dir = tmp();
    const x = join(dir, 'x.log.gz');
    writeFileSync(x, gz(`${albLine()}\n${albLine({ set: { elbStatus: 'oops' } })}\n`));
    const before = readFileSync(x);
    symlinkSync(x, join(dir, 'link.log.gz'));
    linkSync(x, join(dir, 'hard.log.gz'));
    for (const rejects of [x, join(dir, '.', 'x.log.gz'), join(dir, 'link.log.gz'), join(dir, 'hard.log.gz')]) {
      const { code, stderr } = await cli(['parse', '--force', '--rejects', rejects, x]);
      assert.equal(code, 2, rejects);
      assert.match(stderr, /is one of the input files: refusing to write over it/);
      assert.deepEqual(readFileSync(x), before, `${rejects} left the input intact`);
    }
  });

  it('replaces an existing --rejects file that is not an input when --force is given', async () => {
    const dir = tmp();
    const file = join(dir, 'x.log');
    writeFileSync(file, `${albLine({ set: { elbStatus: 'oops' } })}\n`);
    const out = join(dir, 'rejects.ndjson');
    writeFileSync(out, 'old content that is longer than the new one\n'.repeat(100));
    const { code } = await cli(['parse', '--force', '--rejects', out, file]);
    assert.equal(code, 0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.equal(JSON.parse(lines[0]!).line, 1);
  });

  it('answers --rejects in a missing directory or naming a directory with one line, no stack trace', async () => {
    const dir = tmp();
    for (const [rejects, expected] of [
      [join(dir, 'missing', 'r.ndjson'), /directory '.*missing' does not exist/],
      [dir, /is a directory: give a file name/],
    ] as const) {
      const { code, stderr } = await cli(['parse', '--rejects', rejects, SAMPLE]);
      assert.equal(code, 2);
      assert.match(stderr, expected);
      noStack(stderr);
      assert.equal(stderr.trimEnd().split('\n').length, 2, 'the problem and where to get help');
    }
  });
});

describe('alb-iceberg parse: edges of the input', () => {
  it('ends with exit 0 and no complaint when its reader closes the output (parse big.log.gz | head -1)', async () => {
    // Prepare: a file far larger than a pipe's buffer
    const dir = tmp();
    const file = join(dir, 'big.log.gz');
    writeFileSync(file, gz(Array.from({ length: 30_000 }, () => albLine()).join('\n')));
    // Act: read one line, then close the pipe as `head -1` does
    const child = spawn(process.execPath, [BIN, 'parse', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    // Assess
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|unreadable/);
  });

  it('strips a UTF-8 byte order mark at the start of a file (gzipped or plain, and on stdin)', async () => {
    const dir = tmp();
    const text = `\uFEFF${albLine()}\n${albLine()}\n`;
    writeFileSync(join(dir, 'bom.log'), text);
    writeFileSync(join(dir, 'bom.log.gz'), gz(text));
    for (const args of [[join(dir, 'bom.log')], [join(dir, 'bom.log.gz')], ['-']]) {
      const { code, stdout, stderr } = await cli(['parse', ...args], text);
      assert.equal(code, 0);
      assert.match(stderr, /rejects: 0\n/, args[0]);
      const rows = stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        rows.map((r) => r.type),
        ['https', 'https'],
      );
    }
  });

  it('reads the log files under a directory argument (it is not "no such file")', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.log'), `${albLine()}\n`);
    writeFileSync(join(dir, 'sub', 'b.log.gz'), gz(`${albLine()}\n${albLine()}\n`));
    writeFileSync(join(dir, 'notes.txt'), 'not a log\n');
    const { code, stdout, stderr } = await cli(['parse', dir]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trimEnd().split('\n').length, 3);
    assert.match(stderr, /^files: 2\n/);
    const empty = tmp();
    const none = await cli(['parse', empty]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no \.log\.gz or \.log file under the directory/);
  });

  it('goes on after a truncated first file, and the summary says one file was damaged (exit 1)', async () => {
    const dir = tmp();
    const cut = join(dir, 'a-cut.log.gz');
    const whole = gz(Array.from({ length: 3000 }, () => albLine()).join('\n'));
    writeFileSync(cut, whole.subarray(0, whole.length - 40));
    const good = join(dir, 'b-good.log');
    writeFileSync(good, `${albLine({ set: { elbStatus: '503' } })}\n`);
    const { code, stdout, stderr } = await cli(['parse', cut, good]);
    assert.equal(code, 1);
    assert.match(stderr, /a-cut\.log\.gz: unreadable after line \d+/);
    assert.match(stderr, /^files: 2 \(1 damaged: read up to the damage\)$/m);
    assert.equal(JSON.parse(stdout.trimEnd().split('\n').at(-1)!).elb_status_code, 503, 'the second file was read');
  });

  it("parses 1,150 files through npx when given their directory (1,150 long paths overflow npx's command line)", async () => {
    // Prepare: 1,150 ALB-named files (each path about 190 bytes: 1,150 of them exceed the 128 KiB npx can pass on)
    const dir = join(tmp(), 'AWSLogs', '123456789012', 'elasticloadbalancing', 'us-east-2', '2026', '11', '23');
    mkdirSync(dir, { recursive: true });
    const line = gz(`${albLine()}\n`);
    for (let i = 0; i < 1150; i++) {
      writeFileSync(
        join(
          dir,
          `123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20261123T1805Z_10.0.1.23_r${i}.log.gz`,
        ),
        line,
      );
    }
    // Act
    const { stdout, stderr } = await promisify(execFile)('npx', ['--no-install', 'alb-iceberg', 'parse', dir], {
      cwd: join(__dirname, '..', '..'),
      maxBuffer: 64 * 1024 * 1024,
    });
    // Assess
    assert.equal(stdout.trimEnd().split('\n').length, 1150);
    assert.match(stderr, /^files: 1150\n/m);
  });
});

describe('alb-iceberg: conventions', () => {
  it('prints the version from package.json with --version', async () => {
    const { code, stdout } = await cli(['--version']);
    assert.equal(code, 0);
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    assert.equal(stdout, `alb-iceberg ${pkg.version}\n`);
  });

  it('answers a usage error with the problem and one line on where to get help, not the whole help', async () => {
    for (const [args, problem] of [
      [['parse'], "alb-iceberg parse: no FILE given\nRun 'alb-iceberg parse --help' for usage.\n"],
      [
        ['backfill', '--queue', 'x'],
        "alb-iceberg backfill: --bucket is required\nRun 'alb-iceberg backfill --help' for usage.\n",
      ],
      [['nope'], "alb-iceberg: unknown command 'nope'\nRun 'alb-iceberg --help' for the commands.\n"],
    ] as const) {
      const { code, stderr } = await cli([...args]);
      assert.equal(code, 2);
      assert.equal(stderr, problem);
    }
  });
});
