/**
 * The benchmark's corpus generators (bench/corpus/): each is deterministic for a seed, names its files as
 * production does, and writes lines the product parses with zero rejections, in the mix of values and format
 * generations its module promises. The per-type figures of README Performance are only meaningful if this holds.
 * Also the arithmetic that turns the benchmark's CPU per record into Lambda dollars.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { typeCorpus } from '../bench/corpus/by-type';
import { lambdaDollarsPer100Gb } from '../bench/lambda-cost';
import { newObjectStats, parseLogObject } from '../lambda/parser/parse-object';
import { describeLogKey } from '../lambda/s3/log-key';
import { LOG_TYPE_IDS } from '../lambda/schema/log-types';
import type { LogTypeId } from '../lambda/schema/types';
import { chunked } from './support/streams';

/** Enough lines that the 1% of unknown trailing fields and the rarer generations all occur. */
const LINES = 5_000;

type Row = Record<string, unknown>;

function lines(logType: LogTypeId, seed: number, count: number): string[] {
  const next = typeCorpus(logType).generator({ seed });
  return Array.from({ length: count }, () => next());
}

async function parsed(logType: LogTypeId, text: string, engine: 'kernel' | 'reference') {
  const corpus = typeCorpus(logType);
  const body = corpus.gzip ? gzipSync(text) : Buffer.from(text);
  const stats = newObjectStats();
  const rows: Row[] = [];
  const rejects: string[] = [];
  const key = corpus.key('corpus-5000.log.gz');
  for await (const chunk of parseLogObject(chunked(body, 64 * 1024), { key, stats, engine })) {
    for (const r of chunk.records) rows.push(JSON.parse(Buffer.from(r.data).toString('utf8')));
    for (const r of chunk.rejects) rejects.push(`${r.line}: ${r.reason}`);
  }
  return { stats, rows, rejects };
}

const share = (rows: Row[], test: (row: Row) => boolean) => rows.filter(test).length / rows.length;
const has = (column: string) => (row: Row) => column in row;
const is = (column: string, value: unknown) => (row: Row) => row[column] === value;

/**
 * What each generator's module says its lines hold, as predicates on the parsed rows, with the share each must
 * reach: every variety occurs, and the common case is common.
 */
const MIX: Readonly<Record<LogTypeId, readonly (readonly [string, (row: Row) => boolean, number, number])[]>> = {
  'alb-access': [
    ['IPv6 clients', (r) => String(r.client_ip).includes(':'), 0.05, 0.3],
    ['TLS 1.3', is('ssl_protocol', 'TLSv1.3'), 0.3, 0.7],
    ['no conn_trace_id (29 fields)', (r) => !has('conn_trace_id')(r), 0.05, 0.2],
  ],
  'alb-connection': [
    ['TLS 1.3', is('tls_protocol', 'TLSv1.3'), 0.4, 0.8],
    ['TLS 1.2', is('tls_protocol', 'TLSv1.2'), 0.2, 0.5],
    ['plain listener (no TLS fields)', (r) => !has('tls_protocol')(r) && r.listener_port === 80, 0.01, 0.1],
    ['mTLS client certificate', has('leaf_client_cert_serial_number'), 0.1, 0.4],
    ['failed verification', (r) => String(r.tls_verify_status).startsWith('Failed:'), 0.005, 0.05],
    [
      'failed handshake without latency',
      (r) => has('tls_verify_status')(r) && !has('tls_handshake_latency')(r),
      0.005,
      0.05,
    ],
    ['11 fields (no conn_trace_id)', (r) => !has('conn_trace_id')(r), 0.02, 0.1],
    [
      '12 fields (conn_trace_id last)',
      (r) => has('conn_trace_id')(r) && !has('tls_keyexchange')(r) && !has('elb')(r),
      0.1,
      0.3,
    ],
    ['15 fields (elb, ip_address)', has('ip_address'), 0.5, 0.9],
  ],
  'alb-health-check': [
    ['PASS', is('status', 'PASS'), 0.85, 0.98],
    ['FAIL with a reason', (r) => r.status === 'FAIL' && has('reason_code')(r), 0.02, 0.15],
    ['FAIL without a response', (r) => r.status === 'FAIL' && !has('status_code')(r), 0.01, 0.1],
    ['http', is('type', 'http'), 0.2, 0.5],
    ['https', is('type', 'https'), 0.1, 0.4],
    ['grpc', is('type', 'grpc'), 0.05, 0.25],
    ['lambda target (function ARN)', (r) => String(r.target_addr).startsWith('arn:aws:lambda:'), 0.05, 0.25],
    ['8 fields (no elb)', (r) => !has('elb')(r), 0.1, 0.3],
  ],
  'nlb-access': [
    ['IPv6 clients (unbracketed)', (r) => String(r.client_ip).includes(':'), 0.05, 0.3],
    ['tlsv13', is('tls_protocol_version', 'tlsv13'), 0.4, 0.8],
    ['tlsv12', is('tls_protocol_version', 'tlsv12'), 0.2, 0.5],
    ['no handshake', (r) => !has('tls_handshake_time_ms')(r) && r.received_bytes === 0, 0.01, 0.1],
    ['ALPN preference list with quotes', (r) => String(r.alpn_client_preference_list).startsWith('"'), 0.3, 0.9],
    ['version 1.0 (18 fields)', is('version', '1.0'), 0.02, 0.1],
    ['22 fields (connection creation time)', has('tls_connection_creation_time'), 0.5, 0.9],
  ],
  'clb-access': [
    ['HTTP(S) listener', has('elb_response_code'), 0.75, 0.95],
    ['TCP/SSL listener ("- - - ")', (r) => !has('request_verb')(r) && !has('elb_response_code')(r), 0.05, 0.25],
    ['not dispatched (-1 times)', is('request_processing_time', -1), 0.002, 0.05],
    ['IPv6 clients', (r) => String(r.request_ip).includes(':'), 0.03, 0.2],
    ['user agent', has('user_agent'), 0.5, 0.95],
    ['TLS fields', has('ssl_protocol'), 0.3, 0.7],
  ],
};

describe('bench corpora', () => {
  for (const logType of LOG_TYPE_IDS) {
    describe(logType, () => {
      it('is deterministic for a seed, and another seed gives other lines', () => {
        assert.deepEqual(lines(logType, 7, 500), lines(logType, 7, 500));
        assert.notDeepEqual(lines(logType, 7, 500), lines(logType, 8, 500));
      });

      it('names its files as production does', () => {
        const corpus = typeCorpus(logType);
        const key = corpus.key('corpus-200000.log.gz');
        assert.equal(describeLogKey(key).logType, logType);
        assert.equal(key.endsWith(logType === 'clb-access' ? '.log' : '.log.gz'), true);
        assert.equal(corpus.gzip, logType !== 'clb-access');
      });

      for (const engine of ['kernel', 'reference'] as const) {
        it(`parses with zero rejections (${engine} engine), 1% with unknown trailing fields`, async () => {
          const text = `${lines(logType, 42, LINES).join('\n')}\n`;
          const { stats, rows, rejects } = await parsed(logType, text, engine);
          assert.deepEqual(rejects.slice(0, 5), []);
          assert.equal(stats.lines, LINES);
          assert.equal(stats.records, LINES);
          assert.equal(rows.length, LINES);
          const extra = stats.extraFieldLines / LINES;
          assert.ok(extra > 0.005 && extra < 0.02, `extra-field share ${extra}`);
          assert.equal(share(rows, has('extra_fields')), extra);
        });
      }

      it('holds the mix of values and generations its module describes', async () => {
        const { rows } = await parsed(logType, `${lines(logType, 42, LINES).join('\n')}\n`, 'reference');
        for (const [what, test, min, max] of MIX[logType]) {
          const s = share(rows, test);
          assert.ok(s >= min && s <= max, `${what}: share ${s.toFixed(4)} outside [${min}, ${max}]`);
        }
      });
    });
  }
});

describe('bench Lambda cost per 100 GB', () => {
  it("agrees with the README's Costs arithmetic: 25 µs per record, 180 M records per 100 GB ≈ 7,800 GB-s ≈ $0.10", () => {
    const dollars = lambdaDollarsPer100Gb(25, (100 * 1024 ** 3) / 180e6);
    assert.ok(Math.abs(dollars - 7_800 * 0.0000133334) < 0.002, `got $${dollars}`);
  });

  it('scales with CPU per record and inversely with record size', () => {
    assert.equal(lambdaDollarsPer100Gb(0, 500), 0);
    assert.ok(Math.abs(lambdaDollarsPer100Gb(10, 500) - 2 * lambdaDollarsPer100Gb(5, 500)) < 1e-12);
    assert.ok(Math.abs(lambdaDollarsPer100Gb(10, 250) - 2 * lambdaDollarsPer100Gb(10, 500)) < 1e-12);
  });
});
