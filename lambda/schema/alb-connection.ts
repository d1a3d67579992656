/**
 * The ALB connection-log table schema: the single source of truth for this log type (rules: types.ts).
 *
 * One entry per TLS connection attempt, established or failed (a persistent connection has one entry here and many
 * in the access log); `conn_trace_id` joins it to the access log's column of the same name. Format and field list:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html
 * Column names follow AWS's Athena table (https://docs.aws.amazon.com/athena/latest/ug/create-alb-connection-logs-table.html),
 * which stops at `conn_trace_id`; the later fields keep AWS's field names.
 *
 * Generations: 11 fields at launch (November 2023, ending at `tls_verify_status`), `conn_trace_id` from May 2024,
 * then `tls_keyexchange`, `elb` and `ip_address`. AWS's own examples still have 12 fields.
 */
import { col, type LogSchema, logSchema, one } from './types';

export const ALB_CONNECTION: LogSchema = logSchema({
  id: 'alb-connection',
  title: 'ALB connection logs',
  defaultTableName: 'connection_logs',
  docUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html',
  minFields: 11,
  quotedFields: true,
  partitionColumn: 'time',
  fields: [
    {
      field: 'timestamp',
      decoder: 'timestamp',
      columns: [col(1, 'time', 'timestamp', 'UTC time the connection was established or failed. Partition source.')],
    },
    one('string', col(2, 'client_ip', 'string', 'Client IP address.')),
    one('int', col(3, 'client_port', 'int', 'Client port.')),
    one('int', col(4, 'listener_port', 'int', 'Listener port that received the connection.')),
    one('string', col(5, 'tls_protocol', 'string', 'TLS protocol (TLSv1.2, TLSv1.3); absent for plain TCP.')),
    one('string', col(6, 'tls_cipher', 'string', 'TLS cipher (OpenSSL name); absent for plain TCP.')),
    one(
      'double',
      col(7, 'tls_handshake_latency', 'double', 'Seconds to complete the TLS handshake; absent if it failed.'),
    ),
    one(
      'string',
      col(8, 'leaf_client_cert_subject', 'string', 'Subject of the client certificate (mTLS), e.g. CN=...,O=....'),
    ),
    one(
      'string',
      col(
        9,
        'leaf_client_cert_validity',
        'string',
        'Client certificate validity: NotBefore=<time>;NotAfter=<time> (mTLS).',
      ),
    ),
    one('string', col(10, 'leaf_client_cert_serial_number', 'string', 'Client certificate serial number, hex (mTLS).')),
    one(
      'string',
      col(11, 'tls_verify_status', 'string', 'Success, or Failed:<reason> (e.g. Failed:ClientCertUntrusted).'),
    ),
    one('string', col(12, 'conn_trace_id', 'string', 'Connection traceability id (TID_...): joins the access log.')),
    one('string', col(13, 'tls_keyexchange', 'string', 'Key exchange of the handshake (TLS or PQ-TLS).')),
    one('string', col(14, 'elb', 'string', 'Load balancer resource id, app/<name>/<id>.')),
    one('string', col(15, 'ip_address', 'string', 'IP address of the load balancer node.')),
  ],
  sourceFileDoc:
    'Source object identity: the S3 file name after conn_log_<account>_elasticloadbalancing_<region>_, without .log.gz (app.<lb-name>.<lb-id>_<end-time>_<node-ip>_<random>).',
});
