/**
 * ALB connection-log lines for tests. The default is AWS's first example entry
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html), 12
 * fields, completed with the three fields the current field list appends (`tls_keyexchange`, `elb`, `ip_address`),
 * for which AWS prints no example: `x25519` (the key exchange NLB logs show), this file's load balancer and a node IP.
 * Generations: 11 fields (launch, November 2023), 12 (`conn_trace_id`, May 2024), 13 (`tls_keyexchange`), 15.
 */
import fc from 'fast-check';
import { lineFactory } from './factory';
import {
  bareToken,
  decimal,
  integer,
  ipAddress,
  oneOfStrings,
  orDash,
  quotedOrDash,
  quotedString,
  type RenderedField,
  utcTimestamp,
} from './values';

export const CONNECTION_FIELDS: readonly string[] = [
  '2023-10-04T17:05:15.514108Z',
  '203.0.113.1',
  '36280',
  '443',
  'TLSv1.2',
  'ECDHE-RSA-AES128-GCM-SHA256',
  '4.036',
  '"CN=amazondomains.com,O=endEntity,L=Seattle,ST=Washington,C=US"',
  'NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z',
  'FEF257372D5C14D4',
  'Success',
  'TID_3180a73013c8ca4bac2f731159d4b0fe',
  'x25519',
  'app/my-loadbalancer/1234567890abcdef',
  '10.0.1.23',
];

/** Field positions by AWS name, 0-based. */
export const CONNECTION_POS = {
  timestamp: 0,
  clientIp: 1,
  clientPort: 2,
  listenerPort: 3,
  tlsProtocol: 4,
  tlsCipher: 5,
  tlsHandshakeLatency: 6,
  leafClientCertSubject: 7,
  leafClientCertValidity: 8,
  leafClientCertSerialNumber: 9,
  tlsVerifyStatus: 10,
  connTraceId: 11,
  tlsKeyexchange: 12,
  elb: 13,
  ipAddress: 14,
} as const;

export const connectionLine = lineFactory(CONNECTION_FIELDS, CONNECTION_POS);

/** The `Failed:` codes AWS lists for `tls_verify_status`. */
export const VERIFY_FAILURES: readonly string[] = [
  'ClientCertMaxChainDepthExceeded',
  'ClientCertMaxSizeExceeded',
  'ClientCertCrlHit',
  'ClientCertCrlProcessingError',
  'ClientCertUntrusted',
  'ClientCertNotYetValid',
  'ClientCertExpired',
  'ClientCertTypeUnsupported',
  'ClientCertInvalid',
  'ClientCertPurposeInvalid',
  'ClientCertRejected',
  'UnmappedConnectionError',
  'ClientCertIncompatible',
];

const text = (column: string, values: readonly string[]) =>
  orDash(fc.oneof(oneOfStrings(column, values), bareToken(column, true)));

/** Random valid values for every field of a 15-field line, in order. */
export const connectionFields: fc.Arbitrary<RenderedField[]> = fc
  .tuple(
    utcTimestamp('time'),
    ipAddress.map((ip) => ({ text: ip, columns: { client_ip: ip } })),
    integer('client_port', 0, 65535),
    integer('listener_port', 1, 65535),
    text('tls_protocol', ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']),
    text('tls_cipher', ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256']),
    orDash(decimal('tls_handshake_latency')),
    quotedOrDash(quotedString('leaf_client_cert_subject')),
    orDash(bareToken('leaf_client_cert_validity', true)),
    orDash(
      fc.stringMatching(/^[0-9A-F]{1,40}$/).map((t) => ({ text: t, columns: { leaf_client_cert_serial_number: t } })),
    ),
    text('tls_verify_status', ['Success', ...VERIFY_FAILURES.map((code) => `Failed:${code}`)]),
    orDash(fc.stringMatching(/^TID_[0-9a-f]{16,32}$/).map((t) => ({ text: t, columns: { conn_trace_id: t } }))),
    text('tls_keyexchange', ['x25519', 'X25519MLKEM768', 'secp256r1']),
    bareToken('elb', true),
    ipAddress.map((ip) => ({ text: ip, columns: { ip_address: ip } })),
  )
  .map((fields) => [...fields]);
