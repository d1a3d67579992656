/**
 * ALB health-check logs: AWS's documented example entries and both format generations as table tests (expected
 * records written out by hand from the line), target and reason forms, rejections counted with their reasons, and
 * property tests over generated lines.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-health-check-logs.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALB_HEALTH_CHECK } from '../../../lambda/schema/alb-health-check';
import {
  HEALTH_CHECK_FIELDS,
  healthCheckFields,
  healthCheckLine,
  REASON_CODES,
} from '../../support/lines/alb-health-check';
import { itRoundTripsLines } from '../../support/lines/line-properties';
import { FILE_COLUMNS, parseObject, rejection, row } from '../../support/lines/parse';
import { itNamesItsSourceObject } from '../../support/lines/row-identity';
import { itHasTheSchemaShape } from '../../support/lines/schema-shape';

const KEY =
  'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/05/01/health_check_log_123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm.log.gz';

/** AWS's PASS example entry (8 fields), as a record, written out by hand. */
const PASS = {
  line_number: 1,
  type: 'http',
  time: '2025-10-31T12:44:59.875678Z',
  latency: 0.019584011,
  target_addr: '172.31.20.97:80',
  target_group_id: 'HCLogsTestIPs',
  status: 'PASS',
  status_code: '200',
  ...FILE_COLUMNS,
};

describe('ALB health-check logs: schema', () => {
  itHasTheSchemaShape(ALB_HEALTH_CHECK, {
    awsFields: [
      'type',
      'time',
      'latency',
      'target_addr',
      'target_group_id',
      'status',
      'status_code',
      'reason_code',
      'elb',
      'ip_address',
    ],
    everyColumnLine: healthCheckLine({ set: { status: 'FAIL', statusCode: '502', reasonCode: 'TargetError' } }),
  });
});

describe("ALB health-check logs: AWS's example entries", () => {
  it('maps the PASS example: the 9-digit latency exact, the status code as text, no reason', () => {
    const line = 'http 2025-10-31T12:44:59.875678Z 0.019584011 172.31.20.97:80 HCLogsTestIPs PASS 200 -';
    assert.deepEqual(row(ALB_HEALTH_CHECK, line), PASS);
    assert.equal(healthCheckLine({ fields: 8 }), line, "the line factory's default is this example");
  });

  it('maps the FAIL example with its reason code', () => {
    const line = 'http 2025-10-31T12:44:58.901409Z 1.121980746 172.31.31.9:80 HCLogsTestIPs FAIL 502 TargetError';
    assert.deepEqual(row(ALB_HEALTH_CHECK, line, 2), {
      ...PASS,
      line_number: 2,
      time: '2025-10-31T12:44:58.901409Z',
      latency: 1.121980746,
      target_addr: '172.31.31.9:80',
      status: 'FAIL',
      status_code: '502',
      reason_code: 'TargetError',
    });
  });

  it("stamps rows with the identity of AWS's example key", async () => {
    const { stats, rows } = await parseObject(KEY, [healthCheckLine({ fields: 8 })]);
    assert.equal(stats.records, 1);
    assert.deepEqual(
      [rows[0]!.account_id, rows[0]!.region, rows[0]!.source_file],
      ['123456789012', 'us-east-2', 'app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm'],
    );
  });
});

describe('ALB health-check logs: row identity', () => {
  itNamesItsSourceObject(
    'alb-health-check',
    [
      {
        prefix: '',
        key: 'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/02/15/health_check_log_123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm.log.gz',
      },
      {
        prefix: 'hc',
        key: 'hc/AWSLogs/123456789012/elasticloadbalancing/us-east-1/2025/11/21/health_check_log_123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20251121T0005Z_10.0.1.23_h34l0k9z.log.gz',
      },
    ],
    healthCheckLine(),
  );
});

describe('ALB health-check logs: format generations (mapped by position, per line)', () => {
  const generations: [string, number, Record<string, unknown>][] = [
    ["AWS's examples: ends at reason_code", 8, {}],
    ['elb only (a line cut between the two appended fields)', 9, { elb: 'app/my-loadbalancer/1234567890abcdef' }],
    ['current: elb and ip_address', 10, { elb: 'app/my-loadbalancer/1234567890abcdef', ip_address: '10.0.1.23' }],
  ];
  for (const [generation, fields, change] of generations) {
    it(`parses a ${fields}-field line (${generation}), later columns null`, () => {
      assert.deepEqual(row(ALB_HEALTH_CHECK, healthCheckLine({ fields })), { ...PASS, ...change });
    });
  }

  it('keeps fields after the 10th verbatim in extra_fields', () => {
    const r = row(ALB_HEALTH_CHECK, healthCheckLine({ extra: ['-', 'HTTP/1.1'] }));
    assert.equal(r.extra_fields, '- HTTP/1.1');
    assert.equal(r.ip_address, '10.0.1.23');
  });
});

describe('ALB health-check logs: value forms', () => {
  it('keeps a Lambda target: the function ARN as target_addr, no status code', () => {
    const arn = 'arn:aws:lambda:us-east-2:123456789012:function:health-target';
    const r = row(
      ALB_HEALTH_CHECK,
      healthCheckLine({
        set: { type: 'lambda', targetAddr: arn, statusCode: '-', status: 'FAIL', reasonCode: 'TimedOut' },
      }),
    );
    assert.equal(r.type, 'lambda');
    assert.equal(r.target_addr, arn);
    assert.equal('status_code' in r, false);
    assert.equal(r.reason_code, 'TimedOut');
  });

  it('keeps IPv6 targets as written, with or without brackets', () => {
    for (const target of ['[2600:1f18:43::1]:8080', '2600:1f18:43::1:8080']) {
      assert.equal(row(ALB_HEALTH_CHECK, healthCheckLine({ set: { targetAddr: target } })).target_addr, target);
    }
  });

  it('keeps every health-check type, grpc included (not ALB access logs grpcs)', () => {
    for (const type of ['http', 'https', 'h2', 'grpc', 'lambda']) {
      assert.equal(row(ALB_HEALTH_CHECK, healthCheckLine({ set: { type } })).type, type);
    }
  });

  it('keeps a status code that is not a number as text rather than rejecting the line', () => {
    assert.equal(row(ALB_HEALTH_CHECK, healthCheckLine({ set: { statusCode: '000' } })).status_code, '000');
    assert.equal(
      row(ALB_HEALTH_CHECK, healthCheckLine({ set: { statusCode: 'UNIMPLEMENTED' } })).status_code,
      'UNIMPLEMENTED',
    );
  });

  for (const code of REASON_CODES) {
    it(`keeps reason code ${code}`, () => {
      const r = row(ALB_HEALTH_CHECK, healthCheckLine({ set: { status: 'FAIL', statusCode: '-', reasonCode: code } }));
      assert.equal(r.reason_code, code);
      assert.equal(r.status, 'FAIL');
    });
  }
});

describe('ALB health-check logs: rejections, counted with their reasons', () => {
  const bad: [string, string, RegExp][] = [
    [
      'too few fields',
      healthCheckLine({ fields: 7 }),
      /^too few fields: 7 \(an entry of ALB health-check logs has at least 8\)$/,
    ],
    [
      'a time with an offset instead of Z',
      healthCheckLine({ set: { time: '2025-10-31T12:44:59.875678+00:00' } }),
      /^field 2 \(time\) "2025-10-31T12:44:59.875678\+00:00" is not an ISO-8601 UTC timestamp$/,
    ],
    [
      'a time without seconds',
      healthCheckLine({ set: { time: '2025-10-31T12:44Z' } }),
      /^field 2 \(time\) "2025-10-31T12:44Z" is not an ISO-8601 UTC timestamp$/,
    ],
    [
      'a latency in milliseconds with a unit',
      healthCheckLine({ set: { latency: '19ms' } }),
      /^field 3 \(latency\) "19ms" is not a decimal number$/,
    ],
    [
      'an unterminated quoted target group',
      healthCheckLine({ set: { targetGroupId: '"HCLogsTestIPs' } }),
      /^unterminated quoted field 5 \(starts at offset \d+\)$/,
    ],
  ];
  for (const [what, line, reason] of bad) {
    it(`rejects ${what}, counted with its reason`, async () => {
      assert.match(rejection(ALB_HEALTH_CHECK, line), reason);
      const { stats, rejects } = await parseObject(KEY, [HEALTH_CHECK_FIELDS.join(' '), line]);
      assert.deepEqual([stats.lines, stats.records, stats.rejects], [2, 1, 1]);
      assert.equal(rejects[0]!.line, 2);
      assert.equal(rejects[0]!.raw, line);
      assert.match(rejects[0]!.reason, reason);
    });
  }
});

describe('ALB health-check logs: properties', () => {
  itRoundTripsLines({ schema: ALB_HEALTH_CHECK, fields: healthCheckFields, key: KEY });
});
