/**
 * The ALB health-check-log table schema: the single source of truth for this log type (rules: types.ts).
 *
 * One entry per health-check result (launched November 2025; instance, IP and Lambda targets). Format:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-health-check-logs.html
 * AWS documents no Athena table for it: the column names are AWS's field names. AWS's examples have 8 fields; the
 * current field list has 10 (`elb`, `ip_address` appended).
 *
 * Type choices where the documentation leaves a value open: `target_addr` is `ip:port` or a Lambda function ARN, so
 * it stays one string; `status_code` is "the response code received from the target", and its value when there was
 * no response (timeout, Lambda, gRPC) is not documented, so it is a string: an unexpected form is kept, not rejected.
 */
import { col, type LogSchema, logSchema, one } from './types';

export const ALB_HEALTH_CHECK: LogSchema = logSchema({
  id: 'alb-health-check',
  title: 'ALB health-check logs',
  defaultTableName: 'health_check_logs',
  docUrl: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-health-check-logs.html',
  minFields: 8,
  quotedFields: true,
  partitionColumn: 'time',
  fields: [
    one('string', col(1, 'type', 'string', 'Health-check protocol: http, https, h2, grpc, lambda.')),
    one('timestamp', col(2, 'time', 'timestamp', 'UTC time the health check was initiated. Partition source.')),
    one('double', col(3, 'latency', 'double', 'Seconds the health check took.')),
    one('string', col(4, 'target_addr', 'string', 'Target checked: ip:port, or the Lambda function ARN.')),
    one(
      'string',
      col(5, 'target_group_id', 'string', 'Name of the target group (a name, despite the _id of AWS field name).'),
    ),
    one('string', col(6, 'status', 'string', 'PASS or FAIL.')),
    one('string', col(7, 'status_code', 'string', 'Response code received from the target (text: see the schema).')),
    one(
      'string',
      col(
        8,
        'reason_code',
        'string',
        'Why a check failed: TimedOut, ConnectionReset, ResponseCodeMismatch, TargetError, ...; absent on PASS.',
      ),
    ),
    one('string', col(9, 'elb', 'string', 'Load balancer resource id, app/<name>/<id>.')),
    one('string', col(10, 'ip_address', 'string', 'IP address of the load balancer node.')),
  ],
  sourceFileDoc:
    'Source object identity: the S3 file name after health_check_log_<account>_elasticloadbalancing_<region>_, without .log.gz (app.<lb-name>.<lb-id>_<end-time>_<node-ip>_<random>).',
});
