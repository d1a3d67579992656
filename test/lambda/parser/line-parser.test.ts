import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelEncoder } from '../../../lambda/parser/kernel-encoder';
import { type FileContext, LineParser, type Rejection } from '../../../lambda/parser/line-parser';
import { albLine, DEFAULT_FIELDS } from '../../support/alb-line';

const FILE = { accountId: '123456789012', region: 'us-east-2', sourceFile: '20180702T2225Z_10.0.0.9_abc' };

/** One line in, one record (as text) or rejection out, keeping state between lines like the real thing. */
interface Parser {
  parse(line: string, lineNumber: number): string | Rejection;
  readonly lastHadExtraFields: boolean;
}

/**
 * Every table below runs against both encoders: the reference LineParser and the byte-level KernelEncoder the
 * pipeline uses (whose fast path must give the same bytes, and which hands every other line to the reference).
 */
const IMPLEMENTATIONS: readonly [string, (context: FileContext) => Parser][] = [
  ['LineParser (reference)', (context) => new LineParser(context)],
  [
    'KernelEncoder (bytes)',
    (context) => {
      const encoder = new KernelEncoder(context);
      return {
        parse(line, lineNumber) {
          const bytes = Buffer.from(line);
          const out = encoder.encode(bytes, 0, bytes.length, lineNumber);
          return out instanceof Uint8Array ? new TextDecoder().decode(out) : out;
        },
        get lastHadExtraFields() {
          return encoder.lastHadExtraFields;
        },
      };
    },
  ],
];

for (const [implementation, newParser] of IMPLEMENTATIONS) {
  function row(line: string, lineNumber = 1): Record<string, unknown> {
    const out = newParser(FILE).parse(line, lineNumber);
    assert.equal(typeof out, 'string', `expected a record, got ${JSON.stringify(out)}`);
    return JSON.parse(out as string);
  }

  function rejection(line: string): string {
    const out = newParser(FILE).parse(line, 1);
    assert.notEqual(typeof out, 'string', `expected a rejection, got ${out}`);
    return (out as Rejection).reason;
  }

  describe(`${implementation}: AWS documented example entries`, () => {
    it('maps the HTTPS example entry to typed columns', () => {
      // Prepare: AWS's HTTPS example entry (load-balancer-access-logs.html), current 33-field generation
      const r = row(albLine(), 7);
      // Assess
      assert.deepEqual(r, {
        line_number: 7,
        type: 'https',
        time: '2018-07-02T22:23:00.186641Z',
        elb: 'app/my-loadbalancer/50dc6c495c0c9188',
        client_ip: '192.168.131.39',
        client_port: 2817,
        target_ip: '10.0.0.1',
        target_port: 80,
        request_processing_time: 0.086,
        target_processing_time: 0.048,
        response_processing_time: 0.037,
        elb_status_code: 200,
        target_status_code: 200,
        received_bytes: 0,
        sent_bytes: 57,
        request_verb: 'GET',
        request_url: 'https://www.example.com:443/',
        request_proto: 'HTTP/1.1',
        user_agent: 'curl/7.46.0',
        ssl_cipher: 'ECDHE-RSA-AES128-GCM-SHA256',
        ssl_protocol: 'TLSv1.2',
        target_group_arn: 'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
        trace_id: 'Root=1-58337281-1d84f3d73c47ec4e58577259',
        domain_name: 'www.example.com',
        chosen_cert_arn: 'arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012',
        matched_rule_priority: 1,
        request_creation_time: '2018-07-02T22:22:48.364000Z',
        actions_executed: 'authenticate,forward',
        target_port_list: '10.0.0.1:80',
        target_status_code_list: '200',
        conn_trace_id: 'TID_1234abcd5678ef90',
        account_id: '123456789012',
        region: 'us-east-2',
        source_file: '20180702T2225Z_10.0.0.9_abc',
      });
    });

    it('omits absent values and keeps -1 processing times (HTTP entry without target response)', () => {
      const r = row(
        albLine({
          set: {
            type: 'http',
            target: '-',
            requestProcessingTime: '-1',
            targetProcessingTime: '-1',
            responseProcessingTime: '-1',
            elbStatus: '460',
            targetStatus: '-',
            sslCipher: '-',
            sslProtocol: '-',
            targetGroupArn: '-',
            domainName: '"-"',
            chosenCertArn: '"-"',
            matchedRulePriority: '-',
          },
        }),
      );
      for (const absent of [
        'target_ip',
        'target_port',
        'target_status_code',
        'ssl_cipher',
        'ssl_protocol',
        'target_group_arn',
        'domain_name',
        'chosen_cert_arn',
        'matched_rule_priority',
        'redirect_url',
      ]) {
        assert.equal(absent in r, false, `${absent} should be omitted`);
      }
      assert.equal(r.request_processing_time, -1);
      assert.equal(r.target_processing_time, -1);
      assert.equal(r.response_processing_time, -1);
      assert.equal(r.elb_status_code, 460);
    });

    it('keeps matched_rule_priority -1 (rule evaluation error) as a number', () => {
      assert.equal(row(albLine({ set: { matchedRulePriority: '-1' } })).matched_rule_priority, -1);
    });

    it('drops trailing fractional zeros without changing the value', () => {
      const r = row(albLine({ set: { requestProcessingTime: '0.000', targetProcessingTime: '1.230' } }));
      assert.equal(r.request_processing_time, 0);
      assert.equal(r.target_processing_time, 1.23);
    });
  });

  describe(`${implementation}: format generations (mapped by position, per line)`, () => {
    const generations: [number, string, boolean][] = [
      [18, 'trace_id', true],
      [25, 'lambda_error_reason', false],
      [27, 'target_status_code_list', true],
      [29, 'classification_reason', false],
      [30, 'conn_trace_id', true],
      [33, 'request_transform_status', false],
    ];
    for (const [fields, lastColumn, lastPresent] of generations) {
      it(`parses a ${fields}-field line, last column ${lastColumn}`, () => {
        const r = row(albLine({ fields }));
        assert.equal(r.type, 'https');
        assert.equal(r.trace_id, 'Root=1-58337281-1d84f3d73c47ec4e58577259');
        assert.equal(lastColumn in r, lastPresent, `${lastColumn} presence`);
        assert.equal('extra_fields' in r, false);
      });
    }

    it('fills transform columns when ALB writes them', () => {
      const r = row(
        albLine({
          set: { transformedHost: '"internal.example.com"', transformedUri: '"/v2/x"', requestTransformStatus: '"OK"' },
        }),
      );
      assert.equal(r.transformed_host, 'internal.example.com');
      assert.equal(r.transformed_uri, '/v2/x');
      assert.equal(r.request_transform_status, 'OK');
    });

    it('keeps unknown trailing fields verbatim in extra_fields and flags the line', () => {
      const parser = newParser(FILE);
      const out = parser.parse(albLine({ extra: ['10.0.1.23', '"new \\"quoted\\" value"', '-'] }), 1);
      assert.equal(typeof out, 'string');
      assert.equal(JSON.parse(out as string).extra_fields, '10.0.1.23 "new \\"quoted\\" value" -');
      assert.equal(parser.lastHadExtraFields, true);
      parser.parse(albLine(), 2);
      assert.equal(parser.lastHadExtraFields, false);
    });

    it('rejects a line with fewer fields than the oldest generation', () => {
      assert.match(rejection(albLine({ fields: 17 })), /too few fields: 17/);
      assert.match(rejection('garbage'), /too few fields: 1/);
    });
  });

  describe(`${implementation}: real-world values`, () => {
    it('accepts TLS 1.3 cipher names with underscores and the (NONE) cipher', () => {
      assert.equal(
        row(albLine({ set: { sslCipher: 'TLS_AES_128_GCM_SHA256', sslProtocol: 'TLSv1.3' } })).ssl_cipher,
        'TLS_AES_128_GCM_SHA256',
      );
      assert.equal(row(albLine({ set: { sslCipher: '(NONE)' } })).ssl_cipher, '(NONE)');
    });

    it('splits IPv6 client and target addresses at the last colon', () => {
      const r = row(
        albLine({ set: { client: '2a02:a33c:4538:1:bcf4:5264:e01c:f215:50718', target: '[2600:1f18::1]:8443' } }),
      );
      assert.equal(r.client_ip, '2a02:a33c:4538:1:bcf4:5264:e01c:f215');
      assert.equal(r.client_port, 50718);
      assert.equal(r.target_ip, '2600:1f18::1');
      assert.equal(r.target_port, 8443);
    });

    it('keeps \\x22 verbatim and does not end a field at a backslash-escaped quote', () => {
      const r = row(
        albLine({
          set: {
            request: '"GET https://host:443/QUOTE_EXPERIMENT?bar=\\x22 HTTP/2.0"',
            userAgent: '"agent \\"with\\" quotes and a lone \\ backslash"',
          },
        }),
      );
      assert.equal(r.request_url, 'https://host:443/QUOTE_EXPERIMENT?bar=\\x22');
      assert.equal(r.user_agent, 'agent \\"with\\" quotes and a lone \\ backslash');
      assert.equal(r.ssl_cipher, 'ECDHE-RSA-AES128-GCM-SHA256', 'fields after the escaped quote stay in place');
    });

    it('keeps hostile URLs (SQL injection, spaces, unicode) as data', () => {
      const url = "https://example.com:443/search?q=' OR 1=1;-- DROP TABLE users; <script>alert(1)</script> ü";
      const r = row(albLine({ set: { request: `"GET ${url} HTTP/1.1"` } }));
      assert.equal(r.request_verb, 'GET');
      assert.equal(r.request_url, url);
      assert.equal(r.request_proto, 'HTTP/1.1');
    });

    const requests: [string, Record<string, string>][] = [
      ['"- - - "', {}],
      ['"- - -"', {}],
      ['"- http://host:80- -"', { request_url: 'http://host:80-' }],
      ['"- http://host:80-/ "', { request_url: 'http://host:80-/' }],
      [
        '"GET http://host:80/ HTTP/1.0 "',
        { request_verb: 'GET', request_url: 'http://host:80/', request_proto: 'HTTP/1.0' },
      ],
      ['"GET /only-two"', { request_verb: 'GET', request_url: '/only-two' }],
      [
        '"GET http://example.com:80/hello world"',
        { request_verb: 'GET', request_url: 'http://example.com:80/hello world' },
      ],
      [
        '"GET http://host:80/a b HTTP/2.0"',
        { request_verb: 'GET', request_url: 'http://host:80/a b', request_proto: 'HTTP/2.0' },
      ],
      [
        '"GET http://host:80/a HTTP/2"',
        { request_verb: 'GET', request_url: 'http://host:80/a', request_proto: 'HTTP/2' },
      ],
      ['"GET http://host:80/a http/1.1"', { request_verb: 'GET', request_url: 'http://host:80/a http/1.1' }],
      ['"GET http://host:80/a HTTP/1.1x"', { request_verb: 'GET', request_url: 'http://host:80/a HTTP/1.1x' }],
      ['"NOSPACES"', { request_url: 'NOSPACES' }],
      ['"-"', {}],
    ];
    for (const [request, expected] of requests) {
      it(`splits malformed request ${request} without rejecting the line`, () => {
        const r = row(albLine({ set: { request } }));
        const got = Object.fromEntries(
          ['request_verb', 'request_url', 'request_proto'].filter((k) => k in r).map((k) => [k, r[k]]),
        );
        assert.deepEqual(got, expected);
      });
    }

    it('parses redirect, fixed-response and Lambda-target lines', () => {
      const redirect = row(
        albLine({
          set: {
            target: '-',
            elbStatus: '301',
            targetStatus: '-',
            actionsExecuted: '"redirect"',
            redirectUrl: '"https://example.com:443/new"',
            targetPortList: '"-"',
            targetStatusCodeList: '"-"',
          },
        }),
      );
      assert.equal(redirect.redirect_url, 'https://example.com:443/new');
      assert.equal(redirect.actions_executed, 'redirect');
      const fixed = row(albLine({ set: { target: '-', elbStatus: '503', actionsExecuted: '"fixed-response"' } }));
      assert.equal(fixed.elb_status_code, 503);
      const lambda = row(albLine({ set: { target: '-', elbStatus: '502', errorReason: '"LambdaInvalidResponse"' } }));
      assert.equal(lambda.lambda_error_reason, 'LambdaInvalidResponse');
    });

    it('parses WebSocket and gRPC lines', () => {
      assert.equal(row(albLine({ set: { type: 'wss', elbStatus: '101', targetStatus: '101' } })).type, 'wss');
      const grpc = row(albLine({ set: { type: 'grpcs', request: '"POST https://g:443/pkg.Svc/Method HTTP/2.0"' } }));
      assert.equal(grpc.request_url, 'https://g:443/pkg.Svc/Method');
    });

    it('emits empty quoted strings as absent, and control characters escaped', () => {
      const r = row(albLine({ set: { userAgent: '""', redirectUrl: '"tab\there"' } }));
      assert.equal('user_agent' in r, false);
      assert.equal(r.redirect_url, 'tab\there');
    });

    it('tolerates trailing spaces at the end of the line', () => {
      assert.equal('extra_fields' in row(`${albLine()}   `), false);
    });
  });

  describe(`${implementation}: rejects what it cannot parse faithfully`, () => {
    const bad: [string, string, RegExp][] = [
      [
        'a non-numeric status',
        albLine({ set: { elbStatus: 'abc' } }),
        /field 9 \(elb_status_code\) "abc" is not an integer/,
      ],
      ['a non-numeric time', albLine({ set: { targetProcessingTime: 'fast' } }), /field 7 .* is not a decimal number/],
      ['a bad timestamp', albLine({ set: { time: '2018-13-02T22:23:00Z' } }), /field 2 \(time\) .* ISO-8601/],
      [
        'a port out of range',
        albLine({ set: { client: '1.2.3.4:70000' } }),
        /field 4 \(client:port\) .* is not ip:port/,
      ],
      ['a host without port', albLine({ set: { target: '10.0.0.1' } }), /field 5 \(target:port\)/],
      [
        'an unterminated quote at the end',
        `${DEFAULT_FIELDS.slice(0, 18).join(' ')} "unterminated`,
        /unterminated quoted field 19/,
      ],
      [
        'text glued to a closing quote',
        albLine({ set: { userAgent: '"curl"x' } }),
        /after the closing quote of field 14/,
      ],
      ['an int32 overflow', albLine({ set: { elbStatus: '99999999999' } }), /elb_status_code/],
      ['bytes beyond a long', albLine({ set: { sentBytes: '99999999999999999999' } }), /sent_bytes/],
    ];
    for (const [what, line, reason] of bad) {
      it(`rejects ${what} with a specific reason`, () => {
        assert.match(rejection(line), reason);
      });
    }

    it('never lets a bad line affect the next one', () => {
      const parser = newParser(FILE);
      assert.notEqual(typeof parser.parse(albLine({ set: { userAgent: '"broken' } }), 1), 'string');
      const next = parser.parse(albLine(), 2);
      assert.equal(typeof next, 'string');
      assert.equal(JSON.parse(next as string).line_number, 2);
    });

    it('accepts large byte counts as exact longs', () => {
      assert.equal(row(albLine({ set: { sentBytes: '9007199254740993' } })).sent_bytes, 9007199254740992); // JSON.parse rounds; the text is exact
      const text = newParser(FILE).parse(albLine({ set: { sentBytes: '9007199254740993' } }), 1) as string;
      assert.match(text, /"sent_bytes":9007199254740993[,}]/);
    });
  });

  describe(`${implementation}: record encoding`, () => {
    it('produces compact JSON without whitespace or null values', () => {
      const text = newParser(FILE).parse(albLine({ set: { target: '-' } }), 1) as string;
      assert.equal(text, JSON.stringify(JSON.parse(text)));
      assert.doesNotMatch(text, /null|"-"/);
    });

    it('omits file metadata the key did not provide', () => {
      const r = JSON.parse(newParser({}).parse(albLine(), 3) as string);
      assert.equal('account_id' in r, false);
      assert.equal('source_file' in r, false);
      assert.equal(r.line_number, 3);
    });
  });
}
