/**
 * The NLB access-log table schema: the single source of truth for this log type (rules: types.ts).
 *
 * NLB writes access logs for TLS listeners only, one entry per TLS connection, at its end. Format:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
 * Column names follow AWS's Athena table (https://docs.aws.amazon.com/athena/latest/ug/networkloadbalancer-classic-logs.html),
 * including its misleading ones: `target_ip`/`target_port` hold the destination (the listener, or the VPC endpoint
 * the client came through), and `tls_named_group` holds AWS's field `tls_keyexchange` (renamed from
 * `tls_named_group`). Athena's types too: the two `_ms` durations are doubles.
 *
 * Value forms peers trip on: `client:port` and `destination:port` write IPv6 without brackets (split at the last
 * colon); times have whole seconds and no zone (read as UTC); `alpn_client_preference_list` is one bare token with
 * quotes inside (`"h2","http/1.1"`), so this format has no quoted fields and the token is kept verbatim.
 * `incoming_tls_alert` is "the integer value of TLS alerts received, if present": only `-` is seen in samples, so it
 * is kept as text.
 *
 * Generations: version 1.0 (2019, 18 fields), 2.0 (2020, 21 fields: ALPN), `tls_connection_creation_time` (2023,
 * 22 fields; the version stayed 2.0).
 */
import { col, type LogSchema, logSchema, one } from './types';

export const NLB_ACCESS: LogSchema = logSchema({
  id: 'nlb-access',
  title: 'NLB access logs',
  defaultTableName: 'nlb_access_logs',
  docUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html',
  minFields: 18,
  quotedFields: false,
  partitionColumn: 'time',
  fields: [
    one('string', col(1, 'type', 'string', 'Listener type: tls.')),
    one('string', col(2, 'version', 'string', 'Log entry version: 1.0, 2.0.')),
    one(
      'timestamp_no_zone',
      col(3, 'time', 'timestamp', 'Time the TLS connection ended (UTC, whole seconds). Partition source.'),
    ),
    one('string', col(4, 'elb', 'string', 'Load balancer resource id, net/<name>/<id>.')),
    {
      field: 'listener',
      decoder: 'string',
      columns: [col(5, 'listener_id', 'string', 'Resource id of the TLS listener.')],
    },
    {
      field: 'client:port',
      decoder: 'host_port',
      columns: [
        col(6, 'client_ip', 'string', 'Client IP address; IPv6 without brackets.'),
        col(7, 'client_port', 'int', 'Client port.'),
      ],
    },
    {
      field: 'destination:port',
      decoder: 'host_port',
      columns: [
        col(8, 'target_ip', 'string', 'Destination IP: the listener, or the VPC endpoint (AWS field destination).'),
        col(9, 'target_port', 'int', 'Destination port (AWS field destination:port).'),
      ],
    },
    {
      field: 'connection_time',
      decoder: 'double',
      columns: [col(10, 'tcp_connection_time_ms', 'double', 'Milliseconds from connection start to close.')],
    },
    {
      field: 'tls_handshake_time',
      decoder: 'double',
      columns: [col(11, 'tls_handshake_time_ms', 'double', 'Milliseconds of TLS handshake; absent if none or failed.')],
    },
    one('long', col(12, 'received_bytes', 'long', 'Bytes received from the client, after decryption.')),
    one('long', col(13, 'sent_bytes', 'long', 'Bytes sent to the client, before encryption.')),
    one('string', col(14, 'incoming_tls_alert', 'string', 'Integer value of a TLS alert received from the client.')),
    {
      field: 'chosen_cert_arn',
      decoder: 'string',
      columns: [col(15, 'cert_arn', 'string', 'ACM certificate ARN served to the client.')],
    },
    {
      field: 'chosen_cert_serial',
      decoder: 'string',
      columns: [col(16, 'certificate_serial', 'string', 'Reserved by AWS (always absent).')],
    },
    {
      field: 'tls_cipher',
      decoder: 'string',
      columns: [col(17, 'tls_cipher_suite', 'string', 'Negotiated cipher (OpenSSL or IANA name).')],
    },
    one('string', col(18, 'tls_protocol_version', 'string', 'tlsv10, tlsv11, tlsv12, tlsv13.')),
    {
      field: 'tls_keyexchange',
      decoder: 'string',
      columns: [col(19, 'tls_named_group', 'string', 'Key exchange (AWS field tls_keyexchange), e.g. x25519.')],
    },
    one('string', col(20, 'domain_name', 'string', 'SNI domain from the ClientHello, URL-encoded.')),
    one('string', col(21, 'alpn_fe_protocol', 'string', 'ALPN protocol negotiated with the client.')),
    one('string', col(22, 'alpn_be_protocol', 'string', 'ALPN protocol negotiated with the target.')),
    one(
      'string',
      col(23, 'alpn_client_preference_list', 'string', 'Client ALPN list, verbatim ("h2","http/1.1"), URL-encoded.'),
    ),
    one(
      'timestamp_no_zone',
      col(24, 'tls_connection_creation_time', 'timestamp', 'Time the TLS connection started (UTC, whole seconds).'),
    ),
  ],
  sourceFileDoc:
    'Source object identity: the S3 file name after <account>_elasticloadbalancing_<region>_, without .log.gz (net.<lb-name>.<lb-id>_<end-time>_<random>).',
});
