/**
 * Every AWS call of the operator commands ends: against a peer that accepts connections and never answers, backfill,
 * errors and redrive stop within seconds with a message that names the endpoint (timeouts shortened through deps).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { runBackfillCommand } from '../../bin/commands/backfill';
import { runErrorsCommand } from '../../bin/commands/errors';
import { runRedriveCommand } from '../../bin/commands/redrive';
import type { ClientTimeouts } from '../../lambda/aws/client-config';
import { s3TestClientConfig, testClientConfig } from '../support/aws-env';
import { captureIo } from '../support/cli-io';
import { LocalS3 } from '../support/local-s3';

const FAST: ClientTimeouts = { connectionTimeoutMs: 200, requestTimeoutMs: 300, socketTimeoutMs: 300 };
const BIN = join(__dirname, '..', '..', 'bin', 'alb-iceberg.js');
const LOGS = 'logs';
const KEY =
  'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/23/' +
  '123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20261123T1805Z_10.0.0.1_r1.log.gz';

/** Accepts every connection and never answers. */
let silent: net.Server;
let silentEndpoint: string;
const sockets = new Set<net.Socket>();
let s3: LocalS3;
before(async () => {
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentEndpoint = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  s3 = await LocalS3.start({ buckets: [LOGS] });
  s3.putObject(LOGS, KEY, 'x');
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await s3.close();
});

const endpointNamed = () => new RegExp(`calling ${silentEndpoint.replace(/[.]/g, '\\.')}; connect timeout 200 ms`);
const silentS3 = () => ({ timeouts: FAST, config: s3TestClientConfig(silentEndpoint, { maxAttempts: 1 }) });

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = Date.now();
  const value = await run();
  return { value, ms: Date.now() - t };
}

describe('AWS calls of the operator commands end against a peer that never answers', () => {
  it('backfill: a silent S3 ends the listing with a message naming the endpoint', { timeout: 20_000 }, async () => {
    const c = captureIo();
    const { value: code, ms } = await timed(() =>
      runBackfillCommand(['--bucket', LOGS, '--queue', `${silentEndpoint}/000000000000/q`], c.io, {
        aws: silentS3(),
        cwd: mkdtempSync(join(tmpdir(), 'alb-iceberg-timeout-')),
        stderrIsTTY: false,
        signal: new AbortController().signal,
      }),
    );
    assert.equal(code, 1);
    assert.ok(ms < 10_000, `ended in ${ms} ms`);
    assert.match(c.err(), /TimeoutError/);
    assert.match(c.err(), endpointNamed());
  });

  it('backfill: a silent SQS ends the batch (retried, then stopped) naming the endpoint', {
    timeout: 20_000,
  }, async () => {
    const c = captureIo();
    const { value: code, ms } = await timed(() =>
      runBackfillCommand(['--bucket', LOGS, '--queue', `${silentEndpoint}/000000000000/q`], c.io, {
        s3: new S3Client(s3TestClientConfig(s3.endpoint, { maxAttempts: 1 })),
        aws: { timeouts: FAST, config: testClientConfig(silentEndpoint, { maxAttempts: 1 }) },
        cwd: mkdtempSync(join(tmpdir(), 'alb-iceberg-timeout-')),
        stderrIsTTY: false,
        signal: new AbortController().signal,
        sleep: async () => {},
      }),
    );
    assert.equal(code, 1);
    assert.ok(ms < 10_000, `ended in ${ms} ms`);
    assert.match(c.err(), /still failing after \d+ attempts: TimeoutError/);
    assert.match(c.err(), endpointNamed());
  });

  it('errors: a silent S3 ends with a message naming the endpoint', { timeout: 20_000 }, async () => {
    const c = captureIo();
    const { value: code, ms } = await timed(() =>
      runErrorsCommand(['--bucket', 'lake'], c.io, { aws: silentS3(), stderrIsTTY: false }),
    );
    assert.equal(code, 1);
    assert.ok(ms < 10_000, `ended in ${ms} ms`);
    assert.match(c.err(), endpointNamed());
  });

  it('redrive: a silent S3 ends with a message naming the endpoint', { timeout: 20_000 }, async () => {
    const c = captureIo();
    const { value: code, ms } = await timed(() =>
      runRedriveCommand(['--bucket', 'lake', '--prefix', 'firehose-errors/access_logs/', '--stream', 's'], c.io, {
        aws: silentS3(),
        stderrIsTTY: false,
        signal: new AbortController().signal,
      }),
    );
    assert.equal(code, 1);
    assert.ok(ms < 10_000, `ended in ${ms} ms`);
    assert.match(c.err(), endpointNamed());
  });

  it('prints no AWS SDK Node-version notice, and names the endpoint it could not reach', async () => {
    // Prepare: an endpoint that refuses connections, in a separate process as `npx alb-iceberg` runs
    const refused = 'http://127.0.0.1:9';
    const run = promisify(execFile)(process.execPath, [BIN, 'errors', '--bucket', 'lake'], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_S3: refused,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    // Act
    const failure = (await run.then(
      () => assert.fail('exit 1 expected'),
      (e) => e,
    )) as { code: number; stderr: string };
    // Assess
    assert.equal(failure.code, 1);
    assert.doesNotMatch(failure.stderr, /NodeVersionSupportWarning|upgrade to node/);
    assert.match(failure.stderr, /calling http:\/\/127\.0\.0\.1:9/);
    assert.equal(failure.stderr.trimEnd().split('\n').length, 1, failure.stderr);
  });
});
