/**
 * Classic Load Balancer access-log lines for tests. The default is AWS's HTTPS example entry, 15 fields
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html). Generations: 12
 * fields (2014, ending at `request`), 15 (user agent and TLS fields, 2015 on; the only one AWS's page documents).
 */
import fc from 'fast-check';
import { lineFactory } from './factory';
import {
  bareToken,
  byteCount,
  decimal,
  hostPort,
  integer,
  oneOfStrings,
  orDash,
  quotedOrDash,
  quotedString,
  type RenderedField,
  utcTimestamp,
} from './values';

export const CLB_FIELDS: readonly string[] = [
  '2015-05-13T23:39:43.945958Z',
  'my-loadbalancer',
  '192.168.131.39:2817',
  '10.0.0.1:80',
  '0.000086',
  '0.001048',
  '0.001337',
  '200',
  '200',
  '0',
  '57',
  '"GET https://www.example.com:443/ HTTP/1.1"',
  '"curl/7.38.0"',
  'DHE-RSA-AES128-SHA',
  'TLSv1.2',
];

/** Field positions by AWS name, 0-based. */
export const CLB_POS = {
  time: 0,
  elb: 1,
  client: 2,
  backend: 3,
  requestProcessingTime: 4,
  backendProcessingTime: 5,
  responseProcessingTime: 6,
  elbStatusCode: 7,
  backendStatusCode: 8,
  receivedBytes: 9,
  sentBytes: 10,
  request: 11,
  userAgent: 12,
  sslCipher: 13,
  sslProtocol: 14,
} as const;

export const clbLine = lineFactory(CLB_FIELDS, CLB_POS);

/** URL characters, spaces included (AWS logs the URL "as is"), with no quote: a quote would need escaping. */
const url = fc
  .string({ unit: fc.constantFrom('h', 't', 'p', ':', '/', '.', '?', '=', '&', '%', ' ', 'é', '-', '1'), minLength: 1 })
  .map((u) => u.trim())
  .filter((u) => u !== '' && u !== '-');

/** `"VERB url PROTO"` into three columns, or the TCP/SSL listener's `"- - - "` (nothing). */
const request = fc.oneof(
  fc
    .tuple(fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS'), url, fc.constantFrom('HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0'))
    .map(([verb, u, proto]) => ({
      text: `"${verb} ${u} ${proto}"`,
      columns: { request_verb: verb, url: u, protocol: proto },
    })),
  fc.constant({ text: '"- - - "', columns: {} }),
);

const text = (column: string, values: readonly string[]) =>
  orDash(fc.oneof(oneOfStrings(column, values), bareToken(column, true)));

/** Random valid values for every field of a 15-field line, in order. */
export const clbFields: fc.Arbitrary<RenderedField[]> = fc
  .tuple(
    utcTimestamp('time'),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/).map((t) => ({ text: t, columns: { elb_name: t } })),
    hostPort('request_ip', 'request_port'),
    orDash(hostPort('backend_ip', 'backend_port')),
    decimal('request_processing_time'),
    decimal('backend_processing_time'),
    decimal('client_response_time'),
    orDash(integer('elb_response_code', 100, 599)),
    orDash(integer('backend_response_code', 0, 599)),
    byteCount('received_bytes'),
    byteCount('sent_bytes'),
    request,
    quotedOrDash(quotedString('user_agent')),
    text('ssl_cipher', ['DHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256']),
    text('ssl_protocol', ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']),
  )
  .map((fields) => [...fields]);
