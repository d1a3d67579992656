/**
 * NLB access-log lines for tests. The default is AWS's current second example entry, 22 fields
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html). Generations:
 * version 1.0 (2019, 18 fields, ending at `domain_name`), 2.0 (2020, 21 fields: ALPN), 2.0 with
 * `tls_connection_creation_time` (2023, 22 fields).
 */
import fc from 'fast-check';
import { lineFactory } from './factory';
import {
  bareToken,
  byteCount,
  DASH,
  decimal,
  hostPort,
  oneOfStrings,
  orDash,
  type RenderedField,
  zonelessTimestamp,
} from './values';

export const NLB_FIELDS: readonly string[] = [
  'tls',
  '2.0',
  '2020-04-01T08:51:42',
  'net/my-network-loadbalancer/c6e77e28c25b2234',
  'g3d4b5e8bb8464cd',
  '72.21.218.154:51341',
  '172.100.100.185:443',
  '5',
  '2',
  '98',
  '246',
  '-',
  'arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99',
  '-',
  'ECDHE-RSA-AES128-SHA',
  'tlsv12',
  '-',
  'my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com',
  'h2',
  'h2',
  '"h2","http/1.1"',
  '2020-04-01T08:51:20',
];

/** Field positions by AWS name, 0-based. */
export const NLB_POS = {
  type: 0,
  version: 1,
  time: 2,
  elb: 3,
  listener: 4,
  client: 5,
  destination: 6,
  connectionTime: 7,
  tlsHandshakeTime: 8,
  receivedBytes: 9,
  sentBytes: 10,
  incomingTlsAlert: 11,
  chosenCertArn: 12,
  chosenCertSerial: 13,
  tlsCipher: 14,
  tlsProtocolVersion: 15,
  tlsKeyexchange: 16,
  domainName: 17,
  alpnFeProtocol: 18,
  alpnBeProtocol: 19,
  alpnClientPreferenceList: 20,
  tlsConnectionCreationTime: 21,
} as const;

export const nlbLine = lineFactory(NLB_FIELDS, NLB_POS);

const text = (column: string, values: readonly string[]) =>
  orDash(fc.oneof(oneOfStrings(column, values), bareToken(column, false)));

const ALPN = ['h2', 'http/1.1', 'http/1.0'];

/** AWS's ALPN preference list: each protocol in double quotes, separated by commas, one bare token. */
const alpnList = fc
  .array(fc.constantFrom(...ALPN, 'h3'), { minLength: 1, maxLength: 4 })
  .map((protocols) => protocols.map((p) => `"${p}"`).join(','))
  .map((t) => ({ text: t, columns: { alpn_client_preference_list: t } }));

/** Random valid values for every field of a 22-field line, in order. NLB quotes nothing: any token is bare. */
export const nlbFields: fc.Arbitrary<RenderedField[]> = fc
  .tuple(
    oneOfStrings('type', ['tls']),
    oneOfStrings('version', ['1.0', '2.0']),
    zonelessTimestamp('time'),
    bareToken('elb', false),
    bareToken('listener_id', false),
    hostPort('client_ip', 'client_port'),
    hostPort('target_ip', 'target_port'),
    decimal('tcp_connection_time_ms'),
    orDash(decimal('tls_handshake_time_ms')),
    byteCount('received_bytes'),
    byteCount('sent_bytes'),
    orDash(oneOfStrings('incoming_tls_alert', ['0', '40', '42', '80'])),
    orDash(bareToken('cert_arn', false)),
    fc.oneof(fc.constant(DASH), bareToken('certificate_serial', false)),
    text('tls_cipher_suite', ['ECDHE-RSA-AES128-SHA', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384']),
    text('tls_protocol_version', ['tlsv10', 'tlsv11', 'tlsv12', 'tlsv13']),
    text('tls_named_group', ['x25519', 'secp256r1', 'X25519MLKEM768']),
    text('domain_name', ['my-nlb.elb.us-east-2.amazonaws.com', 'xn--bcher-kva.example', 'a%20b.example']),
    text('alpn_fe_protocol', ALPN),
    text('alpn_be_protocol', ALPN),
    orDash(fc.oneof(alpnList, bareToken('alpn_client_preference_list', false))),
    zonelessTimestamp('tls_connection_creation_time'),
  )
  .map((fields) => [...fields]);
