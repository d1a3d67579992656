/**
 * The Classic Load Balancer access-log table schema: the single source of truth for this log type (rules: types.ts).
 *
 * Format: https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html
 * Column names follow AWS's Athena table (https://docs.aws.amazon.com/athena/latest/ug/elasticloadbalancer-classic-logs.html)
 * except one: AWS's `timestamp` column is `time` here, the partition column of every table of this project, which
 * needs no quoting in SQL (`timestamp` is a type name). `client_response_time` is AWS's field
 * `response_processing_time`, renamed by the Athena table. Status codes are integers (the Athena table has strings).
 *
 * Value forms: `time` is when the load balancer *received* the request (ALB's is when it responded); processing
 * times are `-1` when the request was not dispatched; TCP and SSL listeners write `-` status codes and a request of
 * `"- - - "`.
 *
 * Generations: AWS's page documents 15 fields, and its examples from 2015 on have them. The original format of 2014
 * ended at `request` (12 fields): AWS's 2014 example entries did, and in 2015 ELBs wrote both forms side by side
 * ("expecting 15 actual fields 12" on real lines, https://github.com/cboscolo/elb2loggly/pull/8; "user_agent,
 * ssl_cipher and ssl_protocol are missing", https://github.com/cboscolo/elb2loggly/issues/7). So 12 fields make a
 * complete entry; the three later columns are null on such a line.
 */
import { col, type LogSchema, logSchema, one } from './types';

export const CLB_ACCESS: LogSchema = logSchema({
  id: 'clb-access',
  title: 'Classic Load Balancer access logs',
  defaultTableName: 'clb_access_logs',
  docUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html',
  minFields: 12,
  quotedFields: true,
  partitionColumn: 'time',
  fields: [
    {
      field: 'time',
      decoder: 'timestamp',
      columns: [col(1, 'time', 'timestamp', 'UTC time the load balancer received the request. Partition source.')],
    },
    {
      field: 'elb',
      decoder: 'string',
      columns: [col(2, 'elb_name', 'string', 'Name of the load balancer.')],
    },
    {
      field: 'client:port',
      decoder: 'host_port',
      columns: [
        col(3, 'request_ip', 'string', 'Client IP address; IPv6 without brackets.'),
        col(4, 'request_port', 'int', 'Client port.'),
      ],
    },
    {
      field: 'backend:port',
      decoder: 'host_port',
      columns: [
        col(5, 'backend_ip', 'string', 'Instance IP; absent when the request was not sent to an instance.'),
        col(6, 'backend_port', 'int', 'Instance port; absent when the request was not sent to an instance.'),
      ],
    },
    one(
      'double',
      col(
        7,
        'request_processing_time',
        'double',
        'Seconds from request received to sent to an instance; -1 = not dispatched.',
      ),
    ),
    one(
      'double',
      col(
        8,
        'backend_processing_time',
        'double',
        'Seconds the instance took to start responding; -1 = not dispatched.',
      ),
    ),
    {
      field: 'response_processing_time',
      decoder: 'double',
      columns: [
        col(
          9,
          'client_response_time',
          'double',
          'Seconds to start sending the response to the client; -1 = not dispatched.',
        ),
      ],
    },
    {
      field: 'elb_status_code',
      decoder: 'int',
      columns: [col(10, 'elb_response_code', 'int', 'HTTP status code from the load balancer; absent for TCP/SSL.')],
    },
    {
      field: 'backend_status_code',
      decoder: 'int',
      columns: [col(11, 'backend_response_code', 'int', 'HTTP status code from the instance; absent if none.')],
    },
    one('long', col(12, 'received_bytes', 'long', 'Bytes received from the client (HTTP: body only).')),
    one('long', col(13, 'sent_bytes', 'long', 'Bytes sent to the client (HTTP: body only).')),
    {
      field: 'request',
      decoder: 'request',
      columns: [
        col(14, 'request_verb', 'string', 'HTTP method; absent for TCP/SSL ("- - - ").'),
        col(15, 'url', 'string', 'Request URL as logged.'),
        col(16, 'protocol', 'string', 'HTTP protocol version.'),
      ],
    },
    one('string', col(17, 'user_agent', 'string', 'User-Agent header, verbatim (truncated by AWS past 8 KB).')),
    one('string', col(18, 'ssl_cipher', 'string', 'TLS cipher, after a successful negotiation.')),
    one('string', col(19, 'ssl_protocol', 'string', 'TLS protocol, after a successful negotiation.')),
  ],
  sourceFileDoc:
    'Source object identity: the S3 file name after <account>_elasticloadbalancing_<region>_, without .log (<lb-name>_<end-time>_<node-ip>_<random>).',
});
