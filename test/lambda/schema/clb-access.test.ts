/**
 * Classic Load Balancer access logs: AWS's four documented example entries (HTTP, HTTPS, TCP, SSL) as table tests
 * (expected records written out by hand from the line), the 12-field format of 2014, shorter and longer lines, `-1` and `-` values, quoted
 * request and user agent with escapes, unbracketed IPv6, rejections counted with their reasons, and property tests
 * over generated lines.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLB_ACCESS } from '../../../lambda/schema/clb-access';
import { CLB_FIELDS, clbFields, clbLine } from '../../support/lines/clb-access';
import { itRoundTripsLines } from '../../support/lines/line-properties';
import { FILE_COLUMNS, parseObject, rejection, row } from '../../support/lines/parse';
import { itNamesItsSourceObject } from '../../support/lines/row-identity';
import { itHasTheSchemaShape } from '../../support/lines/schema-shape';

const KEY =
  'AWSLogs/123456789012/elasticloadbalancing/us-west-2/2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm.log';

const PREFIX = '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80';

/** The columns AWS's four examples share, written out by hand. */
const COMMON = {
  line_number: 1,
  time: '2015-05-13T23:39:43.945958Z',
  elb_name: 'my-loadbalancer',
  request_ip: '192.168.131.39',
  request_port: 2817,
  backend_ip: '10.0.0.1',
  backend_port: 80,
  ...FILE_COLUMNS,
};

/** AWS's HTTPS example's record (the line factory's default). */
const HTTPS = {
  ...COMMON,
  request_processing_time: 0.000086,
  backend_processing_time: 0.001048,
  client_response_time: 0.001337,
  elb_response_code: 200,
  backend_response_code: 200,
  received_bytes: 0,
  sent_bytes: 57,
  request_verb: 'GET',
  url: 'https://www.example.com:443/',
  protocol: 'HTTP/1.1',
  user_agent: 'curl/7.38.0',
  ssl_cipher: 'DHE-RSA-AES128-SHA',
  ssl_protocol: 'TLSv1.2',
};

describe('Classic access logs: schema', () => {
  itHasTheSchemaShape(CLB_ACCESS, {
    awsFields: [
      'time',
      'elb',
      'client:port',
      'backend:port',
      'request_processing_time',
      'backend_processing_time',
      'response_processing_time',
      'elb_status_code',
      'backend_status_code',
      'received_bytes',
      'sent_bytes',
      'request',
      'user_agent',
      'ssl_cipher',
      'ssl_protocol',
    ],
    // AWS's Athena table, with its `timestamp` column named `time` here (see the schema).
    athenaColumns: [
      'time',
      'elb_name',
      'request_ip',
      'request_port',
      'backend_ip',
      'backend_port',
      'request_processing_time',
      'backend_processing_time',
      'client_response_time',
      'elb_response_code',
      'backend_response_code',
      'received_bytes',
      'sent_bytes',
      'request_verb',
      'url',
      'protocol',
      'user_agent',
      'ssl_cipher',
      'ssl_protocol',
    ],
    everyColumnLine: clbLine(),
  });
});

describe("Classic access logs: AWS's example entries", () => {
  const examples: [string, string, Record<string, unknown>][] = [
    [
      'HTTP',
      `${PREFIX} 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`,
      {
        ...COMMON,
        request_processing_time: 0.000073,
        backend_processing_time: 0.001048,
        client_response_time: 0.000057,
        elb_response_code: 200,
        backend_response_code: 200,
        received_bytes: 0,
        sent_bytes: 29,
        request_verb: 'GET',
        url: 'http://www.example.com:80/',
        protocol: 'HTTP/1.1',
        user_agent: 'curl/7.38.0',
      },
    ],
    [
      'HTTPS',
      `${PREFIX} 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2`,
      HTTPS,
    ],
    [
      'TCP: no status codes, request "- - - ", user agent "-"',
      `${PREFIX} 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -`,
      {
        ...COMMON,
        request_processing_time: 0.001069,
        backend_processing_time: 0.000028,
        client_response_time: 0.000041,
        received_bytes: 82,
        sent_bytes: 305,
      },
    ],
    [
      'SSL',
      `${PREFIX} 0.001065 0.000015 0.000023 - - 57 502 "- - - " "-" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2`,
      {
        ...COMMON,
        request_processing_time: 0.001065,
        backend_processing_time: 0.000015,
        client_response_time: 0.000023,
        received_bytes: 57,
        sent_bytes: 502,
        ssl_cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256',
        ssl_protocol: 'TLSv1.2',
      },
    ],
  ];
  for (const [what, line, expected] of examples) {
    it(`maps the ${what} example to typed columns`, () => {
      assert.deepEqual(row(CLB_ACCESS, line), expected);
    });
  }

  it("uses the HTTPS example as the line factory's default", () => {
    assert.equal(clbLine(), examples[1]![1]);
  });

  it("reads AWS's example key as plain text, and a gzipped body under it by its magic bytes", async () => {
    for (const plain of [true, false]) {
      const { stats, rows } = await parseObject(KEY, [clbLine()], plain);
      assert.equal(stats.records, 1);
      assert.deepEqual(
        [rows[0]!.account_id, rows[0]!.region, rows[0]!.source_file],
        ['123456789012', 'us-west-2', 'my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm'],
      );
    }
  });
});

describe('Classic access logs: row identity', () => {
  itNamesItsSourceObject(
    'clb-access',
    [
      {
        prefix: '',
        key: 'AWSLogs/123456789012/elasticloadbalancing/us-west-2/2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm.log',
      },
      {
        prefix: 'classic',
        key: 'classic/AWSLogs/123456789012/elasticloadbalancing/us-west-1/2020/11/18/123456789012_elasticloadbalancing_us-west-1_fram-dev-APIClassi-TCDBB3LRKY97_20201118T1750Z_13.57.171.118_3bvb558x.log',
      },
      {
        prefix: '',
        key: 'AWSLogs/123456789012/elasticloadbalancing/us-west-1/2020/11/18/123456789012_elasticloadbalancing_us-west-1_network-lb_20201118T1750Z_13.57.171.118_3bvb558x.log',
      },
      {
        prefix: '',
        key: 'AWSLogs/123456789012/elasticloadbalancing/us-west-1/2020/11/18/123456789012_elasticloadbalancing_us-west-1_app-web_20201118T1750Z_13.57.171.118_3bvb558x.log',
      },
    ],
    clbLine(),
    true,
  );
});

describe('Classic access logs: line lengths (mapped by position, per line)', () => {
  it('parses a 12-field line of the original 2014 format (ends at request), the three later columns null', () => {
    // AWS's 2014 HTTP example entry, before user_agent, ssl_cipher and ssl_protocol were appended.
    const line =
      '2014-02-15T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1"';
    assert.deepEqual(row(CLB_ACCESS, line), {
      ...COMMON,
      time: '2014-02-15T23:39:43.945958Z',
      request_processing_time: 0.000073,
      backend_processing_time: 0.001048,
      client_response_time: 0.000057,
      elb_response_code: 200,
      backend_response_code: 200,
      received_bytes: 0,
      sent_bytes: 29,
      request_verb: 'GET',
      url: 'http://www.example.com:80/',
      protocol: 'HTTP/1.1',
    });
  });

  it('parses a 13-field line (user agent, no TLS fields), the TLS columns null', () => {
    const { ssl_cipher: _c, ssl_protocol: _p, ...expected } = HTTPS;
    assert.deepEqual(row(CLB_ACCESS, clbLine({ fields: 13 })), expected);
  });

  it('parses a 14-field line, ssl_protocol null', () => {
    const { ssl_protocol: _p, ...expected } = HTTPS;
    assert.deepEqual(row(CLB_ACCESS, clbLine({ fields: 14 })), expected);
  });

  it('parses the documented 15-field line', () => {
    assert.deepEqual(row(CLB_ACCESS, clbLine()), HTTPS);
  });

  it('keeps fields after the 15th verbatim in extra_fields (the Athena regex would null the whole row)', () => {
    assert.deepEqual(row(CLB_ACCESS, clbLine({ extra: ['-', '"new"'] })), { ...HTTPS, extra_fields: '- "new"' });
  });
});

describe('Classic access logs: value forms', () => {
  it('keeps -1 processing times and omits the backend of a request not dispatched', () => {
    const r = row(
      CLB_ACCESS,
      clbLine({
        set: {
          backend: '-',
          requestProcessingTime: '-1',
          backendProcessingTime: '-1',
          responseProcessingTime: '-1',
          elbStatusCode: '504',
          backendStatusCode: '-',
        },
      }),
    );
    assert.equal('backend_ip' in r, false);
    assert.equal('backend_port' in r, false);
    assert.equal('backend_response_code' in r, false);
    assert.deepEqual(
      [r.request_processing_time, r.backend_processing_time, r.client_response_time, r.elb_response_code],
      [-1, -1, -1, 504],
    );
  });

  it('keeps -1 byte counts (seen in peer test lines) as numbers', () => {
    const r = row(CLB_ACCESS, clbLine({ set: { receivedBytes: '-1', sentBytes: '-1' } }));
    assert.deepEqual([r.received_bytes, r.sent_bytes], [-1, -1]);
  });

  it('splits an unbracketed IPv6 client at the last colon', () => {
    const r = row(CLB_ACCESS, clbLine({ set: { client: '2001:db8:85a3::8a2e:370:7334:2817' } }));
    assert.deepEqual([r.request_ip, r.request_port], ['2001:db8:85a3::8a2e:370:7334', 2817]);
  });

  it('keeps a small processing time with trailing zeros dropped', () => {
    assert.equal(
      row(CLB_ACCESS, clbLine({ set: { requestProcessingTime: '0.000010' } })).request_processing_time,
      0.00001,
    );
  });

  it('keeps escaped quotes and spaces inside the quoted request and user agent, and the fields after them', () => {
    const r = row(
      CLB_ACCESS,
      clbLine({
        set: {
          request: '"GET http://www.example.com:80/a b?q=\\"x\\" HTTP/1.1"',
          userAgent: '"Mozilla/5.0 (X11; Linux) \\"quoted\\" \\x22hex\\x22"',
        },
      }),
    );
    assert.equal(r.url, 'http://www.example.com:80/a b?q=\\"x\\"');
    assert.equal(r.protocol, 'HTTP/1.1');
    assert.equal(r.user_agent, 'Mozilla/5.0 (X11; Linux) \\"quoted\\" \\x22hex\\x22');
    assert.equal(r.ssl_cipher, 'DHE-RSA-AES128-SHA');
  });

  it('keeps a user agent of 8 KB (AWS truncates past that) whole', () => {
    const agent = 'a'.repeat(8192);
    assert.equal(row(CLB_ACCESS, clbLine({ set: { userAgent: `"${agent}"` } })).user_agent, agent);
  });

  it('omits the request columns of "- - - " and "-", and the user agent of "-"', () => {
    for (const request of ['"- - - "', '"-"']) {
      const r = row(CLB_ACCESS, clbLine({ set: { request, userAgent: '"-"' } }));
      for (const c of ['request_verb', 'url', 'protocol', 'user_agent']) assert.equal(c in r, false, `${request} ${c}`);
    }
  });
});

describe('Classic access logs: rejections, counted with their reasons', () => {
  const bad: [string, string, RegExp][] = [
    [
      'too few fields',
      clbLine({ fields: 11 }),
      /^too few fields: 11 \(an entry of Classic Load Balancer access logs has at least 12\)$/,
    ],
    [
      'a time without its zone',
      clbLine({ set: { time: '2015-05-13T23:39:43.945958' } }),
      /^field 1 \(time\) "2015-05-13T23:39:43.945958" is not an ISO-8601 UTC timestamp$/,
    ],
    [
      'a backend without a port',
      clbLine({ set: { backend: '10.0.0.1' } }),
      /^field 4 \(backend:port\) "10.0.0.1" is not ip:port$/,
    ],
    [
      'a processing time that is not a number',
      clbLine({ set: { backendProcessingTime: 'N/A' } }),
      /^field 6 \(backend_processing_time\) "N\/A" is not a decimal number$/,
    ],
    [
      'a status code with letters',
      clbLine({ set: { elbStatusCode: '2OO' } }),
      /^field 8 \(elb_status_code\) "2OO" is not an integer in range$/,
    ],
    [
      'a fractional byte count',
      clbLine({ set: { receivedBytes: '1.5' } }),
      /^field 10 \(received_bytes\) "1.5" is not an integer in range$/,
    ],
    [
      'an unterminated request',
      `${CLB_FIELDS.slice(0, 11).join(' ')} "GET http://www.example.com:80/ HTTP/1.1`,
      /^unterminated quoted field 12 \(starts at offset \d+\)$/,
    ],
    [
      'text glued to the closing quote of the user agent',
      clbLine({ set: { userAgent: '"curl/7.38.0"x' } }),
      /^unexpected character after the closing quote of field 13/,
    ],
  ];
  for (const [what, line, reason] of bad) {
    it(`rejects ${what}, counted with its reason`, async () => {
      assert.match(rejection(CLB_ACCESS, line), reason);
      const { stats, rejects } = await parseObject(KEY, [CLB_FIELDS.join(' '), line], true);
      assert.deepEqual([stats.lines, stats.records, stats.rejects], [2, 1, 1]);
      assert.equal(rejects[0]!.line, 2);
      assert.equal(rejects[0]!.raw, line);
      assert.match(rejects[0]!.reason, reason);
    });
  }
});

describe('Classic access logs: properties', () => {
  itRoundTripsLines({ schema: CLB_ACCESS, fields: clbFields, key: KEY, plain: true });
});
