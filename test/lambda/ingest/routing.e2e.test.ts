/**
 * End to end on the local peers: one batch holding an object of every log type, each under the key AWS gives it.
 * Each object's lines reach its own type's stream (decided by the key, never by the first line), bad lines are
 * stored with file and line, and an object of a type the deployment does not ingest is skipped, counted.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LOG_TYPE_IDS } from '../../../lambda/schema/log-types';
import type { LogTypeId } from '../../../lambda/schema/types';
import { albLine } from '../../support/alb-line';
import { storedRejects } from '../../support/ingest-assertions';
import { IngestHarness, LAKE_BUCKET, LOG_BUCKET, logKey, STREAM } from '../../support/ingest-harness';

let h: IngestHarness;
before(async () => {
  h = await IngestHarness.start();
});
after(() => h.close());
beforeEach(() => h.reset());

const FOLDER = 'prod/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/23/';
const ELB = '123456789012_elasticloadbalancing_us-east-1_';

/** For each type: an AWS-shaped key, a good line (AWS's documented examples) and the column a row must carry. */
/** `pad`: the fields AWS's example lacks against today's field list, written as `-` before the appended field. */
const OBJECTS: Record<
  LogTypeId,
  { key: string; line: string; body: (text: string) => Buffer; check: string; pad?: number }
> = {
  'alb-access': { key: logKey('route'), line: albLine(), body: gz, check: 'elb_status_code' },
  'alb-connection': {
    key: `${FOLDER}conn_log_${ELB}app.web.50dc6c495c0c9188_20261123T1805Z_10.0.1.23_c0nn.log.gz`,
    line: '2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Failed:ClientCertUntrusted TID_1c71a68d70587445ad5127ff8b2687d7',
    body: gz,
    check: 'tls_verify_status',
    pad: 3,
  },
  'alb-health-check': {
    key: `${FOLDER}health_check_log_${ELB}app.web.50dc6c495c0c9188_20261123T1805Z_10.0.1.23_h34l.log.gz`,
    line: 'http 2025-10-31T12:44:58.901409Z 1.121980746 172.31.31.9:80 HCLogsTestIPs FAIL 502 TargetError',
    body: gz,
    check: 'reason_code',
    pad: 2,
  },
  'nlb-access': {
    key: `${FOLDER}${ELB}net.my-nlb.c6e77e28c25b2234_20261123T1805Z_n1b0.log.gz`,
    line: 'tls 2.0 2020-04-01T08:51:42 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 2001:db8::1:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA tlsv12 - my-nlb.elb.us-east-2.amazonaws.com h2 h2 "h2","http/1.1" 2020-04-01T08:51:20',
    body: gz,
    check: 'alpn_client_preference_list',
  },
  'clb-access': {
    // Classic logs are plain text named .log.
    key: `${FOLDER}${ELB}my-classic_20261123T1805Z_10.0.1.23_c1b0.log`,
    line: '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -',
    body: (text) => Buffer.from(text),
    check: 'elb_response_code',
  },
};

function gz(text: string): Buffer {
  return gzipSync(text);
}

/** Three lines: good, bad (too few fields), good with a field AWS might append. */
function putObjects(): void {
  for (const o of Object.values(OBJECTS)) {
    const drifted = `${o.line}${' -'.repeat(o.pad ?? 0)} new-field`;
    h.s3.putObject(LOG_BUCKET, o.key, o.body(`${o.line}\nnot a log line\n${drifted}\n`));
  }
}

describe('ingest: one table per log type, chosen by key', () => {
  it("sends each object's lines to its own type's stream, stores its bad lines, keeps appended fields", async () => {
    putObjects();
    const { responses } = await h.drive(Object.values(OBJECTS).map((o) => h.s3Event(o.key)));
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    for (const logType of LOG_TYPE_IDS) {
      const rows = h.rows(logType);
      assert.deepEqual(
        rows.map((r) => r.line_number),
        [1, 3],
        `${logType}: lines 1 and 3 on its own stream`,
      );
      assert.ok(rows[0]![OBJECTS[logType].check] !== undefined, `${logType}: typed columns of its schema`);
      assert.equal(rows[0]!.extra_fields, undefined);
      assert.equal(rows[1]!.extra_fields, 'new-field', `${logType}: the appended field is kept`);
      assert.equal(rows[0]!.account_id, '123456789012');
    }
    // ALB access rows stay on the ALB stream only: no other stream holds an access-log row.
    assert.equal(h.firehose.texts(STREAM).length, 2);
    const rejects = storedRejects(h.s3, LAKE_BUCKET);
    assert.deepEqual(
      rejects.map((r) => [r.file, r.line]).sort(),
      Object.values(OBJECTS)
        .map((o) => [o.key, 2])
        .sort(),
    );
    for (const r of rejects) assert.match(r.reason, /^too few fields: 4 \(an entry of .+ has at least \d+\)$/);
    assert.equal(h.telemetry.metrics.ObjectsIngested, LOG_TYPE_IDS.length);
  });

  for (const logType of LOG_TYPE_IDS) {
    it(`${logType}: an object too long for one invocation continues after its checkpoint, every line exactly once`, async () => {
      // Prepare: at least 1.5 MB of lines of this type (the reader works in blocks, so short lines need more of
      // them), one bad (line 1,500); once an invocation has sent a batch, its remaining time drops under the margin,
      // so the object needs more than one invocation.
      const o = OBJECTS[logType];
      const count = Math.max(5000, Math.ceil(1_500_000 / o.line.length));
      const lines = Array.from({ length: count }, (_, i) => (i === 1499 ? 'not a log line' : o.line));
      h.s3.putObject(LOG_BUCKET, o.key, o.body(`${lines.join('\n')}\n`));
      const depsFor = () => {
        const start = h.firehose.calls.length;
        return h.deps({ remainingMs: () => (h.firehose.calls.length - start >= 1 ? 1_000 : 600_000) });
      };
      // Act
      const { responses } = await h.drive([h.s3Event(o.key)], depsFor);
      // Assess: continuations were needed, nothing failed, each good line once on this type's stream only
      assert.ok(responses.length >= 2, `${logType}: a continuation was needed (${responses.length} invocations)`);
      assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
      const delivered = h.rows(logType).map((r) => r.line_number as number);
      const expected = Array.from({ length: count }, (_, i) => i + 1).filter((l) => l !== 1500);
      assert.deepEqual(
        [...delivered].sort((a, b) => a - b),
        expected,
      );
      for (const other of LOG_TYPE_IDS) if (other !== logType) assert.equal(h.rows(other).length, 0, other);
      assert.deepEqual(
        storedRejects(h.s3, LAKE_BUCKET).map((r) => [r.file, r.line]),
        [[o.key, 1500]],
      );
    });
  }

  it('skips, counted, an object of a log type this deployment does not ingest', async () => {
    putObjects();
    const only = { 'alb-access': STREAM };
    const nlb = OBJECTS['nlb-access'].key;
    const { responses } = await h.drive([h.s3Event(nlb), h.s3Event(OBJECTS['alb-access'].key)], () =>
      h.deps({ config: { deliveryStreams: only } }),
    );
    assert.deepEqual(responses[0]!.batchItemFailures, []);
    assert.equal(h.rows('nlb-access').length, 0);
    assert.equal(h.rows('alb-access').length, 2);
    assert.equal(h.telemetry.metrics.ObjectsSkipped, 1);
    const skip = h.telemetry.logs.find((l) => l.message.startsWith('skipped object'))!;
    assert.equal(skip.message, 'skipped object: its log type is not enabled');
    assert.equal(skip.fields.logType, 'nlb-access');
  });
});
