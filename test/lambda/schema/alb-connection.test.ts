/**
 * ALB connection logs: AWS's documented example entries and every format generation as table tests (expected
 * records written out by hand from the line), the edge forms of TLS and mTLS fields, rejections counted with their
 * reasons, and property tests over generated lines.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALB_CONNECTION } from '../../../lambda/schema/alb-connection';
import {
  CONNECTION_FIELDS,
  connectionFields,
  connectionLine,
  VERIFY_FAILURES,
} from '../../support/lines/alb-connection';
import { itRoundTripsLines } from '../../support/lines/line-properties';
import { FILE_COLUMNS, parseObject, rejection, row } from '../../support/lines/parse';
import { itNamesItsSourceObject } from '../../support/lines/row-identity';
import { itHasTheSchemaShape } from '../../support/lines/schema-shape';

const KEY =
  'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/05/01/conn_log_123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm.log.gz';

/** AWS's first example entry (12 fields), as a record, written out by hand. */
const EXAMPLE_1 = {
  line_number: 1,
  time: '2023-10-04T17:05:15.514108Z',
  client_ip: '203.0.113.1',
  client_port: 36280,
  listener_port: 443,
  tls_protocol: 'TLSv1.2',
  tls_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
  tls_handshake_latency: 4.036,
  leaf_client_cert_subject: 'CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US',
  leaf_client_cert_validity: 'NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z',
  leaf_client_cert_serial_number: 'FEF257372D5C14D4',
  tls_verify_status: 'Success',
  conn_trace_id: 'TID_3180a73013c8ca4bac2f731159d4b0fe',
  ...FILE_COLUMNS,
};

describe('ALB connection logs: schema', () => {
  itHasTheSchemaShape(ALB_CONNECTION, {
    awsFields: [
      'timestamp',
      'client_ip',
      'client_port',
      'listener_port',
      'tls_protocol',
      'tls_cipher',
      'tls_handshake_latency',
      'leaf_client_cert_subject',
      'leaf_client_cert_validity',
      'leaf_client_cert_serial_number',
      'tls_verify_status',
      'conn_trace_id',
      'tls_keyexchange',
      'elb',
      'ip_address',
    ],
    athenaColumns: [
      'time',
      'client_ip',
      'client_port',
      'listener_port',
      'tls_protocol',
      'tls_cipher',
      'tls_handshake_latency',
      'leaf_client_cert_subject',
      'leaf_client_cert_validity',
      'leaf_client_cert_serial_number',
      'tls_verify_status',
      'conn_trace_id',
    ],
    everyColumnLine: connectionLine(),
  });
});

describe("ALB connection logs: AWS's example entries", () => {
  it('maps the successful mTLS example to typed columns', () => {
    const line =
      '2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 4.036 "CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Success TID_3180a73013c8ca4bac2f731159d4b0fe';
    assert.deepEqual(row(ALB_CONNECTION, line), EXAMPLE_1);
    assert.equal(connectionLine({ fields: 12 }), line, "the line factory's default is this example");
  });

  it('maps the failed-verification example: no handshake latency, the failure code kept', () => {
    const line =
      '2023-10-04T17:05:15.514108Z 203.0.113.1 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 - "CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Failed:ClientCertUntrusted TID_1c71a68d70587445ad5127ff8b2687d7';
    const { tls_handshake_latency: _, ...rest } = EXAMPLE_1;
    assert.deepEqual(row(ALB_CONNECTION, line, 9), {
      ...rest,
      line_number: 9,
      tls_verify_status: 'Failed:ClientCertUntrusted',
      conn_trace_id: 'TID_1c71a68d70587445ad5127ff8b2687d7',
    });
  });

  it("stamps rows with the identity of AWS's example key (conn_log_, and the conn_log. some pages print)", async () => {
    for (const key of [KEY, KEY.replace('/conn_log_', '/conn_log.')]) {
      const { stats, rows } = await parseObject(key, [connectionLine({ fields: 12 }), connectionLine({ fields: 12 })]);
      assert.equal(stats.records, 2);
      assert.deepEqual(
        rows.map((r) => [r.account_id, r.region, r.source_file, r.line_number]),
        [1, 2].map((n) => [
          '123456789012',
          'us-east-2',
          'app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm',
          n,
        ]),
      );
    }
  });
});

describe('ALB connection logs: row identity', () => {
  itNamesItsSourceObject(
    'alb-connection',
    [
      {
        prefix: '',
        key: 'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/02/15/conn_log_123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm.log.gz',
      },
      {
        prefix: 'my/prefix',
        key: 'my/prefix/AWSLogs/347414000000/elasticloadbalancing/eu-central-1/2024/02/07/conn_log_347414000000_elasticloadbalancing_eu-central-1_app.k8s-ingress.5e2b1d7d8b6a4f3c_20240207T0955Z_10.43.1.2_b38hdhc6.log.gz',
      },
    ],
    connectionLine({ fields: 12 }),
  );
});

describe('ALB connection logs: format generations (mapped by position, per line)', () => {
  const generations: [string, number, Record<string, unknown>][] = [
    ['launch, November 2023: ends at tls_verify_status', 11, { conn_trace_id: undefined }],
    ["conn_trace_id, May 2024 (AWS's examples)", 12, {}],
    ['tls_keyexchange', 13, { tls_keyexchange: 'x25519' }],
    [
      'elb and ip_address (current)',
      15,
      { tls_keyexchange: 'x25519', elb: 'app/my-loadbalancer/1234567890abcdef', ip_address: '10.0.1.23' },
    ],
  ];
  for (const [generation, fields, change] of generations) {
    it(`parses a ${fields}-field line (${generation}), later columns null`, () => {
      const expected: Record<string, unknown> = { ...EXAMPLE_1, ...change };
      for (const [k, v] of Object.entries(expected)) if (v === undefined) delete expected[k];
      assert.deepEqual(row(ALB_CONNECTION, connectionLine({ fields })), expected);
    });
  }

  it('keeps fields after the 15th verbatim in extra_fields, including the trailing - AWS announces new fields with', () => {
    const r = row(ALB_CONNECTION, connectionLine({ extra: ['-'] }));
    assert.equal(r.extra_fields, '-');
    assert.equal(r.ip_address, '10.0.1.23');
    assert.equal(
      row(ALB_CONNECTION, connectionLine({ extra: ['"new field"', 'TLSv1.3'] })).extra_fields,
      '"new field" TLSv1.3',
    );
  });
});

describe('ALB connection logs: TLS and mTLS value forms', () => {
  it('omits every TLS column of a plain-text connection (-)', () => {
    const line = '2023-10-04T17:05:15.514108Z 203.0.113.1 36280 80 - - - - - - - TID_3180a73013c8ca4bac2f731159d4b0fe';
    assert.deepEqual(row(ALB_CONNECTION, line), {
      line_number: 1,
      time: '2023-10-04T17:05:15.514108Z',
      client_ip: '203.0.113.1',
      client_port: 36280,
      listener_port: 80,
      conn_trace_id: 'TID_3180a73013c8ca4bac2f731159d4b0fe',
      ...FILE_COLUMNS,
    });
  });

  it('keeps TLS 1.3 cipher names with underscores', () => {
    const r = row(
      ALB_CONNECTION,
      connectionLine({ set: { tlsProtocol: 'TLSv1.3', tlsCipher: 'TLS_AES_128_GCM_SHA256' } }),
    );
    assert.equal(r.tls_protocol, 'TLSv1.3');
    assert.equal(r.tls_cipher, 'TLS_AES_128_GCM_SHA256');
  });

  it('omits a client certificate subject written "-" or -, without the quotes', () => {
    for (const subject of ['"-"', '-']) {
      const r = row(ALB_CONNECTION, connectionLine({ set: { leafClientCertSubject: subject } }));
      assert.equal('leaf_client_cert_subject' in r, false, subject);
      assert.equal(r.leaf_client_cert_validity, 'NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z');
    }
  });

  it('keeps spaces and escaped quotes inside a quoted subject, and the fields after it in place', () => {
    const r = row(
      ALB_CONNECTION,
      connectionLine({ set: { leafClientCertSubject: '"CN=Example Client \\"QA\\",O=Example Corp,C=US"' } }),
    );
    assert.equal(r.leaf_client_cert_subject, 'CN=Example Client \\"QA\\",O=Example Corp,C=US');
    assert.equal(r.leaf_client_cert_serial_number, 'FEF257372D5C14D4');
    assert.equal(r.tls_verify_status, 'Success');
  });

  it('keeps a serial number past 64 bits, with its leading zero, as text', () => {
    const serial = '00F3A1B2C3D4E5F60718293A4B5C6D7E8F';
    assert.equal(
      row(ALB_CONNECTION, connectionLine({ set: { leafClientCertSerialNumber: serial } }))
        .leaf_client_cert_serial_number,
      serial,
    );
  });

  it('keeps an IPv6 client address as written', () => {
    assert.equal(
      row(ALB_CONNECTION, connectionLine({ set: { clientIp: '2001:db8::7:1' } })).client_ip,
      '2001:db8::7:1',
    );
  });

  for (const code of VERIFY_FAILURES) {
    it(`keeps tls_verify_status Failed:${code}`, () => {
      const r = row(
        ALB_CONNECTION,
        connectionLine({ set: { tlsVerifyStatus: `Failed:${code}`, tlsHandshakeLatency: '-' } }),
      );
      assert.equal(r.tls_verify_status, `Failed:${code}`);
      assert.equal('tls_handshake_latency' in r, false);
    });
  }

  it('drops trailing fractional zeros of the latency without changing it', () => {
    assert.equal(
      row(ALB_CONNECTION, connectionLine({ set: { tlsHandshakeLatency: '0.100' } })).tls_handshake_latency,
      0.1,
    );
  });
});

describe('ALB connection logs: rejections, counted with their reasons', () => {
  const bad: [string, string, RegExp][] = [
    [
      'too few fields',
      connectionLine({ fields: 10 }),
      /^too few fields: 10 \(an entry of ALB connection logs has at least 11\)$/,
    ],
    [
      'a timestamp without its zone',
      connectionLine({ set: { timestamp: '2023-10-04T17:05:15.514108' } }),
      /^field 1 \(timestamp\) "2023-10-04T17:05:15.514108" is not an ISO-8601 UTC timestamp$/,
    ],
    [
      'a timestamp with month 13',
      connectionLine({ set: { timestamp: '2023-13-04T17:05:15.514108Z' } }),
      /^field 1 \(timestamp\) .* is not an ISO-8601 UTC timestamp$/,
    ],
    [
      'a non-numeric port',
      connectionLine({ set: { clientPort: 'http' } }),
      /^field 3 \(client_port\) "http" is not an integer in range$/,
    ],
    [
      'a port beyond an int',
      connectionLine({ set: { listenerPort: '4294967296' } }),
      /^field 4 \(listener_port\) "4294967296" is not an integer in range$/,
    ],
    [
      'a latency with a decimal comma',
      connectionLine({ set: { tlsHandshakeLatency: '4,036' } }),
      /^field 7 \(tls_handshake_latency\) "4,036" is not a decimal number$/,
    ],
    [
      'an unterminated subject',
      connectionLine({ set: { leafClientCertSubject: '"CN=amazondomains.com,O=endEntity' } }),
      /^unterminated quoted field 8 \(starts at offset \d+\)$/,
    ],
    [
      'text glued to the closing quote of the subject',
      connectionLine({ set: { leafClientCertSubject: '"CN=a"b' } }),
      /^unexpected character after the closing quote of field 8/,
    ],
  ];
  for (const [what, line, reason] of bad) {
    it(`rejects ${what}, counted with its reason`, async () => {
      assert.match(rejection(ALB_CONNECTION, line), reason);
      const { stats, rejects } = await parseObject(KEY, [CONNECTION_FIELDS.join(' '), line]);
      assert.deepEqual([stats.lines, stats.records, stats.rejects], [2, 1, 1]);
      assert.equal(rejects[0]!.line, 2);
      assert.equal(rejects[0]!.raw, line);
      assert.match(rejects[0]!.reason, reason);
    });
  }
});

describe('ALB connection logs: properties', () => {
  itRoundTripsLines({ schema: ALB_CONNECTION, fields: connectionFields, key: KEY });
});
