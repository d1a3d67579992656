/**
 * The ALB access-log table schema: the single source of truth for this log type (rules for changing it: types.ts).
 *
 * The reference parser and the line kernel (lambda/parser) read {@link LOG_FIELDS} to decode each position of a log
 * line, and the CDK Glue table (lib/) reads {@link COLUMNS} to declare the Iceberg schema. A test proves both agree
 * with the encoder's output. Column names follow AWS's documented Athena table for ALB logs
 * (https://docs.aws.amazon.com/athena/latest/ug/application-load-balancer-logs.html) so saved queries keep working.
 *
 * Field order and meaning: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 */

import { col, type LogField, type LogSchema, logSchema, one } from './types';

/** The fields of an access-log line, in the order ALB writes them. AWS appends new fields at the end. */
export const LOG_FIELDS: readonly LogField[] = [
  one('string', col(1, 'type', 'string', 'Request or connection type: http, https, h2, grpcs, ws, wss.')),
  one(
    'timestamp',
    col(2, 'time', 'timestamp', 'UTC time the response was sent (WebSocket: connection closed). Partition source.'),
  ),
  one('string', col(3, 'elb', 'string', 'Load balancer resource id, app/<name>/<id>.')),
  {
    field: 'client:port',
    decoder: 'host_port',
    columns: [
      col(4, 'client_ip', 'string', 'Client (or proxy) IP address; IPv6 without brackets.'),
      col(5, 'client_port', 'int', 'Client port.'),
    ],
  },
  {
    field: 'target:port',
    decoder: 'host_port',
    columns: [
      col(6, 'target_ip', 'string', 'Target IP address; absent when no target was chosen.'),
      col(7, 'target_port', 'int', 'Target port; absent when no target was chosen.'),
    ],
  },
  one(
    'double',
    col(
      8,
      'request_processing_time',
      'double',
      'Seconds from request received to sent to target; -1 = not dispatched.',
    ),
  ),
  one(
    'double',
    col(
      9,
      'target_processing_time',
      'double',
      'Seconds the target took to start responding; -1 = not dispatched or target closed early.',
    ),
  ),
  one(
    'double',
    col(
      10,
      'response_processing_time',
      'double',
      'Seconds to start sending the response to the client; -1 = not dispatched.',
    ),
  ),
  one('int', col(11, 'elb_status_code', 'int', 'HTTP status code the load balancer returned.')),
  one(
    'int',
    col(12, 'target_status_code', 'int', 'HTTP status code from the target; absent when there was no target response.'),
  ),
  one('long', col(13, 'received_bytes', 'long', 'Request size in bytes received from the client.')),
  one('long', col(14, 'sent_bytes', 'long', 'Response size in bytes sent to the client.')),
  {
    field: 'request',
    decoder: 'request',
    columns: [
      col(15, 'request_verb', 'string', 'HTTP method; absent for malformed requests ("- - -").'),
      col(16, 'request_url', 'string', 'Request URL as logged (may contain spaces and \\x22-escaped quotes).'),
      col(17, 'request_proto', 'string', 'HTTP protocol version.'),
    ],
  },
  one('string', col(18, 'user_agent', 'string', 'User-Agent header, verbatim.')),
  one(
    'string',
    col(
      19,
      'ssl_cipher',
      'string',
      'TLS cipher (OpenSSL or IANA name, e.g. TLS_AES_128_GCM_SHA256); (NONE) kept verbatim.',
    ),
  ),
  one('string', col(20, 'ssl_protocol', 'string', 'TLS protocol version.')),
  one('string', col(21, 'target_group_arn', 'string', 'Target group ARN.')),
  one('string', col(22, 'trace_id', 'string', 'X-Amzn-Trace-Id header contents.')),
  one('string', col(23, 'domain_name', 'string', 'SNI domain from the TLS handshake.')),
  one('string', col(24, 'chosen_cert_arn', 'string', 'Certificate ARN presented to the client, or session-reused.')),
  one(
    'int',
    col(
      25,
      'matched_rule_priority',
      'int',
      'Priority of the matched rule; 0 = default rule, -1 = rule evaluation error.',
    ),
  ),
  one('timestamp', col(26, 'request_creation_time', 'timestamp', 'UTC time the load balancer received the request.')),
  one(
    'string',
    col(
      27,
      'actions_executed',
      'string',
      'Comma-separated actions taken: waf, authenticate, forward, redirect, fixed-response, ...',
    ),
  ),
  one('string', col(28, 'redirect_url', 'string', 'Location header of a redirect response.')),
  {
    field: 'error_reason',
    decoder: 'string',
    columns: [
      col(29, 'lambda_error_reason', 'string', 'Error reason code (AWS field error_reason; Athena name kept).'),
    ],
  },
  {
    field: 'target:port_list',
    decoder: 'string',
    columns: [
      col(30, 'target_port_list', 'string', 'Space-separated ip:port list of targets that processed the request.'),
    ],
  },
  one('string', col(31, 'target_status_code_list', 'string', 'Space-separated status codes from the targets.')),
  one('string', col(32, 'classification', 'string', 'HTTP desync classification: Acceptable, Ambiguous, Severe.')),
  one('string', col(33, 'classification_reason', 'string', 'Classification reason code.')),
  one(
    'string',
    col(34, 'conn_trace_id', 'string', 'Connection traceability id (TID_...), joins with connection logs.'),
  ),
  one('string', col(35, 'transformed_host', 'string', 'Host header after a host-header rewrite transform.')),
  one('string', col(36, 'transformed_uri', 'string', 'URI after a URL rewrite transform.')),
  one('string', col(37, 'request_transform_status', 'string', 'Status of the rewrite transform.')),
];

/**
 * Lines of the original (2016) ALB format end at `trace_id`: 18 fields. A line with fewer cannot be a complete entry
 * of any generation, so it is rejected rather than half-parsed.
 */
export const MIN_FIELDS = 18;

/** ALB access logs: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html */
export const ALB_ACCESS: LogSchema = logSchema({
  id: 'alb-access',
  title: 'ALB access logs',
  defaultTableName: 'access_logs',
  fields: LOG_FIELDS,
  minFields: MIN_FIELDS,
  quotedFields: true,
  partitionColumn: 'time',
  docUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html',
  // source_file names the object only with the load balancer (the file name's app.<name>.<id> part is in `elb`).
  objectColumns: ['elb'],
  sourceFileDoc:
    'Source object identity: <end-time>_<node-ip>_<random> from the S3 file name (see README: back to the S3 key).',
});

/** Every column of the table, in field-id order. */
export const COLUMNS = ALB_ACCESS.columns;
export const EXTRA_FIELDS_COLUMN = ALB_ACCESS.shared.extraFields;
/** The column the Iceberg table is partitioned on, with the `day` transform. */
export const PARTITION_COLUMN = ALB_ACCESS.partitionColumn;
