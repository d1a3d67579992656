/**
 * NLB access logs: AWS's documented example entries and every format generation as table tests (expected records
 * written out by hand from the line), the value forms peers' parsers failed on (unbracketed IPv6, the quoted ALPN
 * list as one bare token, zone-less times, aborted handshakes), rejections counted with their reasons, and property
 * tests over generated lines.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NLB_ACCESS } from '../../../lambda/schema/nlb-access';
import { itRoundTripsLines } from '../../support/lines/line-properties';
import { NLB_FIELDS, nlbFields, nlbLine } from '../../support/lines/nlb-access';
import { FILE_COLUMNS, parseObject, rejection, row } from '../../support/lines/parse';
import { itNamesItsSourceObject } from '../../support/lines/row-identity';
import { itHasTheSchemaShape } from '../../support/lines/schema-shape';

const KEY =
  'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2020/05/01/123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_20200501T0000Z_20sg8hgm.log.gz';

const CERT = 'arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99';
const DOMAIN = 'my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com';

/** AWS's first current example entry: 22 fields, no ALPN. */
const EXAMPLE_1 = `tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - ${CERT} - ECDHE-RSA-AES128-SHA tlsv12 - ${DOMAIN} - - - 2018-12-20T02:59:30`;

/** Its record, written out by hand: zone-less times sent as UTC with Z, the destination under target_*. */
const RECORD_1 = {
  line_number: 1,
  type: 'tls',
  version: '2.0',
  time: '2018-12-20T02:59:40Z',
  elb: 'net/my-network-loadbalancer/c6e77e28c25b2234',
  listener_id: 'g3d4b5e8bb8464cd',
  client_ip: '72.21.218.154',
  client_port: 51341,
  target_ip: '172.100.100.185',
  target_port: 443,
  tcp_connection_time_ms: 5,
  tls_handshake_time_ms: 2,
  received_bytes: 98,
  sent_bytes: 246,
  cert_arn: CERT,
  tls_cipher_suite: 'ECDHE-RSA-AES128-SHA',
  tls_protocol_version: 'tlsv12',
  domain_name: DOMAIN,
  tls_connection_creation_time: '2018-12-20T02:59:30Z',
  ...FILE_COLUMNS,
};

/** AWS's second current example entry's record (the line factory's default): ALPN negotiated. */
const RECORD_2 = {
  ...RECORD_1,
  time: '2020-04-01T08:51:42Z',
  alpn_fe_protocol: 'h2',
  alpn_be_protocol: 'h2',
  alpn_client_preference_list: '"h2","http/1.1"',
  tls_connection_creation_time: '2020-04-01T08:51:20Z',
};

const withoutKeys = (record: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));

describe('NLB access logs: schema', () => {
  itHasTheSchemaShape(NLB_ACCESS, {
    awsFields: [
      'type',
      'version',
      'time',
      'elb',
      'listener',
      'client:port',
      'destination:port',
      'connection_time',
      'tls_handshake_time',
      'received_bytes',
      'sent_bytes',
      'incoming_tls_alert',
      'chosen_cert_arn',
      'chosen_cert_serial',
      'tls_cipher',
      'tls_protocol_version',
      'tls_keyexchange',
      'domain_name',
      'alpn_fe_protocol',
      'alpn_be_protocol',
      'alpn_client_preference_list',
      'tls_connection_creation_time',
    ],
    athenaColumns: [
      'type',
      'version',
      'time',
      'elb',
      'listener_id',
      'client_ip',
      'client_port',
      'target_ip',
      'target_port',
      'tcp_connection_time_ms',
      'tls_handshake_time_ms',
      'received_bytes',
      'sent_bytes',
      'incoming_tls_alert',
      'cert_arn',
      'certificate_serial',
      'tls_cipher_suite',
      'tls_protocol_version',
      'tls_named_group',
      'domain_name',
      'alpn_fe_protocol',
      'alpn_be_protocol',
      'alpn_client_preference_list',
      'tls_connection_creation_time',
    ],
    everyColumnLine: nlbLine({
      set: { incomingTlsAlert: '40', chosenCertSerial: '00', tlsKeyexchange: 'x25519' },
    }),
  });
});

describe("NLB access logs: AWS's example entries", () => {
  it('maps the first example (no ALPN) to typed columns', () => {
    assert.deepEqual(row(NLB_ACCESS, EXAMPLE_1), RECORD_1);
  });

  it('maps the second example: the ALPN preference list is one bare token, its quotes kept', () => {
    const line = `tls 2.0 2020-04-01T08:51:42 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - ${CERT} - ECDHE-RSA-AES128-SHA tlsv12 - ${DOMAIN} h2 h2 "h2","http/1.1" 2020-04-01T08:51:20`;
    assert.deepEqual(row(NLB_ACCESS, line), RECORD_2);
    assert.equal(nlbLine(), line, "the line factory's default is this example");
  });

  it("stamps rows with the identity of AWS's example key, and of a real name with capitals", async () => {
    const keys: [string, string][] = [
      [KEY, 'net.my-loadbalancer.1234567890abcdef_20200501T0000Z_20sg8hgm'],
      [
        'AWSLogs/123456789012/elasticloadbalancing/us-west-1/2020/11/12/123456789012_elasticloadbalancing_us-west-1_net.fram-dev-N-Wazuh.9d0fcf192ea215c3_20201112T1800Z_345ed9f8.log.gz',
        'net.fram-dev-N-Wazuh.9d0fcf192ea215c3_20201112T1800Z_345ed9f8',
      ],
    ];
    for (const [key, sourceFile] of keys) {
      const { stats, rows } = await parseObject(key, [EXAMPLE_1]);
      assert.equal(stats.records, 1, key);
      assert.equal(rows[0]!.source_file, sourceFile);
      assert.equal(rows[0]!.account_id, '123456789012');
    }
  });
});

describe('NLB access logs: row identity', () => {
  itNamesItsSourceObject(
    'nlb-access',
    [
      {
        prefix: '',
        key: 'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2020/05/01/123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_20200501T0000Z_20sg8hgm.log.gz',
      },
      {
        prefix: 'nlb/',
        key: 'nlb/AWSLogs/123456789012/elasticloadbalancing/us-west-1/2020/11/12/123456789012_elasticloadbalancing_us-west-1_net.fram-dev-N-Wazuh.9d0fcf192ea215c3_20201112T1800Z_345ed9f8.log.gz',
      },
    ],
    nlbLine(),
  );
});

describe('NLB access logs: format generations (mapped by position, per line)', () => {
  it('parses a version 1.0 line of 2019 (18 fields, ending at domain_name), later columns null', () => {
    const line = EXAMPLE_1.replace('tls 2.0', 'tls 1.0').split(' ').slice(0, 18).join(' ');
    assert.deepEqual(row(NLB_ACCESS, line), {
      ...withoutKeys(RECORD_1, 'tls_connection_creation_time'),
      version: '1.0',
    });
  });

  it('parses a version 2.0 line of 2020 to 2023 (21 fields: ALPN, no creation time)', () => {
    assert.deepEqual(row(NLB_ACCESS, nlbLine({ fields: 21 })), withoutKeys(RECORD_2, 'tls_connection_creation_time'));
  });

  it('parses a current line (22 fields)', () => {
    assert.deepEqual(row(NLB_ACCESS, nlbLine()), RECORD_2);
  });

  it('parses a 19- or 20-field line with the missing ALPN columns null', () => {
    assert.deepEqual(
      row(NLB_ACCESS, nlbLine({ fields: 19 })),
      withoutKeys(RECORD_2, 'alpn_be_protocol', 'alpn_client_preference_list', 'tls_connection_creation_time'),
    );
  });

  it('keeps fields after the 22nd verbatim in extra_fields, quotes and all', () => {
    const r = row(NLB_ACCESS, nlbLine({ extra: ['-', '"x","y"'] }));
    assert.equal(r.extra_fields, '- "x","y"');
    assert.equal(r.tls_connection_creation_time, '2020-04-01T08:51:20Z');
  });
});

describe('NLB access logs: value forms', () => {
  it('splits an unbracketed IPv6 client at the last colon (TLS 1.3, x25519: a real 2026 line)', () => {
    const r = row(
      NLB_ACCESS,
      nlbLine({
        set: {
          client: '2401:db8:85a3:0:0:8a2e:2380:55932',
          tlsCipher: 'TLS_AES_128_GCM_SHA256',
          tlsProtocolVersion: 'tlsv13',
          tlsKeyexchange: 'x25519',
        },
      }),
    );
    assert.equal(r.client_ip, '2401:db8:85a3:0:0:8a2e:2380');
    assert.equal(r.client_port, 55932);
    assert.equal(r.tls_cipher_suite, 'TLS_AES_128_GCM_SHA256');
    assert.equal(r.tls_protocol_version, 'tlsv13');
    assert.equal(r.tls_named_group, 'x25519');
  });

  it('splits compressed and bracketed IPv6 addresses, without the brackets', () => {
    const r = row(NLB_ACCESS, nlbLine({ set: { client: '2001:db8::1:51341', destination: '[2600:1f18::5]:443' } }));
    assert.deepEqual(
      [r.client_ip, r.client_port, r.target_ip, r.target_port],
      ['2001:db8::1', 51341, '2600:1f18::5', 443],
    );
  });

  it('maps an aborted handshake (1 - 0 0 - - -): no handshake time, zero bytes, no TLS columns', () => {
    const line = `tls 2.0 2024-10-01T10:00:00 net/my-nlb/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 172.100.100.185:443 1 - 0 0 - - - - - - - - - - 2024-10-01T10:00:00`;
    assert.deepEqual(row(NLB_ACCESS, line), {
      line_number: 1,
      type: 'tls',
      version: '2.0',
      time: '2024-10-01T10:00:00Z',
      elb: 'net/my-nlb/c6e77e28c25b2234',
      listener_id: 'g3d4b5e8bb8464cd',
      client_ip: '72.21.218.154',
      client_port: 51341,
      target_ip: '172.100.100.185',
      target_port: 443,
      tcp_connection_time_ms: 1,
      received_bytes: 0,
      sent_bytes: 0,
      tls_connection_creation_time: '2024-10-01T10:00:00Z',
      ...FILE_COLUMNS,
    });
  });

  it('keeps a truncated ALPN list (AWS cuts it past 256 bytes) verbatim, an open quote not read past the space', () => {
    const r = row(NLB_ACCESS, nlbLine({ set: { alpnClientPreferenceList: '"h2","http/1.1","ht' } }));
    assert.equal(r.alpn_client_preference_list, '"h2","http/1.1","ht');
    assert.equal(r.tls_connection_creation_time, '2020-04-01T08:51:20Z');
  });

  it('keeps backslashes and brackets in bare tokens as data (peer test lines)', () => {
    const r = row(
      NLB_ACCESS,
      nlbLine({
        set: { alpnClientPreferenceList: '\\"http/1.1\\"', domainName: '[example.com](http://example.com)' },
      }),
    );
    assert.equal(r.alpn_client_preference_list, '\\"http/1.1\\"');
    assert.equal(r.domain_name, '[example.com](http://example.com)');
  });

  it('accepts times already in UTC with Z, and zone-less fractions, sent with Z', () => {
    const r = row(
      NLB_ACCESS,
      nlbLine({ set: { time: '2020-04-01T08:51:42Z', tlsConnectionCreationTime: '2020-04-01T08:51:20.5' } }),
    );
    assert.equal(r.time, '2020-04-01T08:51:42Z');
    assert.equal(r.tls_connection_creation_time, '2020-04-01T08:51:20.5Z');
  });

  it('keeps byte counts past 2^31 and long connections exactly, and a TLS alert value as text', () => {
    const r = row(
      NLB_ACCESS,
      nlbLine({ set: { receivedBytes: '3000000000', connectionTime: '35040', incomingTlsAlert: '40' } }),
    );
    assert.equal(r.received_bytes, 3000000000);
    assert.equal(r.tcp_connection_time_ms, 35040);
    assert.equal(r.incoming_tls_alert, '40');
  });
});

describe('NLB access logs: rejections, counted with their reasons', () => {
  const bad: [string, string, RegExp][] = [
    ['too few fields', nlbLine({ fields: 17 }), /^too few fields: 17 \(an entry of NLB access logs has at least 18\)$/],
    [
      'a time in basic ISO form',
      nlbLine({ set: { time: '20181220T025940' } }),
      /^field 3 \(time\) "20181220T025940" is not an ISO-8601 timestamp$/,
    ],
    [
      'a time with an offset',
      nlbLine({ set: { time: '2018-12-20T02:59:40+01:00' } }),
      /^field 3 \(time\) "2018-12-20T02:59:40\+01:00" is not an ISO-8601 timestamp$/,
    ],
    [
      'a malformed creation time',
      nlbLine({ set: { tlsConnectionCreationTime: '2020-04-01T25:51:20' } }),
      /^field 22 \(tls_connection_creation_time\) "2020-04-01T25:51:20" is not an ISO-8601 timestamp$/,
    ],
    [
      'a client without a port',
      nlbLine({ set: { client: '72.21.218.154' } }),
      /^field 6 \(client:port\) "72.21.218.154" is not ip:port$/,
    ],
    [
      'a port out of range',
      nlbLine({ set: { client: '72.21.218.154:65536' } }),
      /^field 6 \(client:port\) "72.21.218.154:65536" is not ip:port$/,
    ],
    [
      'a bracketed IPv6 destination without a port',
      nlbLine({ set: { destination: '[2600:1f18::5]' } }),
      /^field 7 \(destination:port\) "\[2600:1f18::5\]" is not ip:port$/,
    ],
    [
      'a non-numeric connection time',
      nlbLine({ set: { connectionTime: 'abc' } }),
      /^field 8 \(connection_time\) "abc" is not a decimal number$/,
    ],
    [
      'a byte count that is not an integer',
      nlbLine({ set: { sentBytes: '24.6' } }),
      /^field 11 \(sent_bytes\) "24.6" is not an integer in range$/,
    ],
  ];
  for (const [what, line, reason] of bad) {
    it(`rejects ${what}, counted with its reason`, async () => {
      assert.match(rejection(NLB_ACCESS, line), reason);
      const { stats, rejects } = await parseObject(KEY, [NLB_FIELDS.join(' '), line]);
      assert.deepEqual([stats.lines, stats.records, stats.rejects], [2, 1, 1]);
      assert.equal(rejects[0]!.line, 2);
      assert.equal(rejects[0]!.raw, line);
      assert.match(rejects[0]!.reason, reason);
    });
  }
});

describe('NLB access logs: properties', () => {
  itRoundTripsLines({ schema: NLB_ACCESS, fields: nlbFields, key: KEY });
});
