import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeObject } from '../../../lambda/ingest/route';

const FOLDER = 'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/23/';
const ELB = '123456789012_elasticloadbalancing_us-east-1_';
const STREAMS = { 'alb-access': 'a', 'clb-access': 'c' } as const;

describe('routeObject', () => {
  it('routes by the file name to the stream of its log type', () => {
    const access = `${FOLDER}${ELB}app.web.50dc6c495c0c9188_20261123T1805Z_10.0.1.23_r.log.gz`;
    const classic = `${FOLDER}${ELB}my-classic_20261123T1805Z_10.0.1.23_r.log`;
    assert.deepEqual(routeObject(access, STREAMS), { kind: 'ingest', logType: 'alb-access', streamName: 'a' });
    assert.deepEqual(routeObject(classic, STREAMS), { kind: 'ingest', logType: 'clb-access', streamName: 'c' });
  });

  it('skips a log type without a stream, naming the type', () => {
    const nlb = `${FOLDER}${ELB}net.my-nlb.c6e77e28c25b2234_20261123T1805Z_r.log.gz`;
    assert.deepEqual(routeObject(nlb, STREAMS), {
      kind: 'skip',
      reason: 'log type not enabled: nlb-access',
      logType: 'nlb-access',
      objectKind: 'nlb-log',
    });
  });

  it('skips what is not a legacy ELB log file with its kind as the reason', () => {
    const cases: [string, string][] = [
      ['AWSLogs/123456789012/ELBAccessLogTestFile', 'elb-test-file'],
      [
        'AWSLogs/aws-account-id=123456789012/elasticloadbalancing/region=us-east-1/year=2026/x.gz',
        'cloudwatch-delivery',
      ],
      [`${FOLDER}part-0001.parquet`, 'cloudwatch-delivery'],
      [`${FOLDER}something-else.log.gz`, 'not-an-elb-log'],
    ];
    for (const [key, reason] of cases) {
      const route = routeObject(key, STREAMS);
      assert.equal(route.kind, 'skip', key);
      assert.equal(route.kind === 'skip' && route.reason, reason, key);
    }
  });
});
