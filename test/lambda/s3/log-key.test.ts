import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessLogKeyFor, decodeEventKey, describeLogKey } from '../../../lambda/s3/log-key';

const FILE =
  '123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20140215T2340Z_172.160.001.192_20jd2u3s.log.gz';
const STANDARD = `AWSLogs/123456789012/elasticloadbalancing/us-east-2/2014/02/15/${FILE}`;

describe('describeLogKey', () => {
  it('extracts metadata from a standard key', () => {
    assert.deepEqual(describeLogKey(STANDARD), {
      kind: 'alb-access-log',
      logType: 'alb-access',
      accountId: '123456789012',
      region: 'us-east-2',
      loadBalancer: 'app/my-loadbalancer/50dc6c495c0c9188',
      sourceFile: '20140215T2340Z_172.160.001.192_20jd2u3s',
    });
  });

  it('accepts a key with a user prefix, and a bare file name', () => {
    assert.equal(describeLogKey(`my/prefix/${STANDARD}`).accountId, '123456789012');
    assert.equal(describeLogKey(FILE).region, 'us-east-2');
  });

  it('classifies logs that are not ALB access logs, so they can be skipped', () => {
    const cases: [string, string][] = [
      ['AWSLogs/123456789012/ELBAccessLogTestFile', 'elb-test-file'],
      [`AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/11/23/conn_log_${FILE}`, 'alb-connection-log'],
      [`x/health_check_log_${FILE}`, 'alb-health-check-log'],
      [
        'AWSLogs/1/elasticloadbalancing/us-east-2/2026/11/23/123456789012_elasticloadbalancing_us-east-2_net.my-nlb.0123456789abcdef_20261123T1805Z_b9a1c2d3.log.gz',
        'nlb-log',
      ],
      ['123456789012_elasticloadbalancing_us-east-2_my-classic_20261123T1805Z_10.0.0.1_abc.log', 'classic-elb-log'],
      ['some/other/file.txt', 'not-an-elb-log'],
    ];
    for (const [key, kind] of cases) assert.equal(describeLogKey(key).kind, kind, key);
  });

  it('keeps parsing keys that do not follow the layout, without metadata', () => {
    assert.deepEqual(describeLogKey('uploads/manual-export.log.gz'), {
      kind: 'not-an-elb-log',
      sourceFile: 'manual-export',
    });
  });

  it('rebuilds the S3 key from a row (file identity back to the object)', () => {
    const meta = describeLogKey(`logs/${STANDARD}`);
    const key = accessLogKeyFor({
      prefix: 'logs/',
      account_id: meta.accountId!,
      region: meta.region!,
      elb: meta.loadBalancer!,
      source_file: meta.sourceFile,
    });
    assert.equal(key, `logs/${STANDARD}`);
  });
});

describe('decodeEventKey', () => {
  it('URL-decodes with + as space', () => {
    assert.equal(decodeEventKey('my+prefix/a%2Bb%3D%20c.log.gz'), 'my prefix/a+b= c.log.gz');
  });
});
