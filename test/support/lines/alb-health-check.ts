/**
 * ALB health-check-log lines for tests. The default is AWS's PASS example entry
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-health-check-logs.html), 8
 * fields, completed with the two fields the current field list appends (`elb`, `ip_address`), for which AWS prints
 * no example. Generations: 8 fields (AWS's examples), 10 (current list).
 */
import fc from 'fast-check';
import { lineFactory } from './factory';
import {
  bareToken,
  DASH,
  decimal,
  hostPort,
  ipAddress,
  oneOfStrings,
  orDash,
  type RenderedField,
  utcTimestamp,
} from './values';

export const HEALTH_CHECK_FIELDS: readonly string[] = [
  'http',
  '2025-10-31T12:44:59.875678Z',
  '0.019584011',
  '172.31.20.97:80',
  'HCLogsTestIPs',
  'PASS',
  '200',
  '-',
  'app/my-loadbalancer/1234567890abcdef',
  '10.0.1.23',
];

/** Field positions by AWS name, 0-based. */
export const HEALTH_CHECK_POS = {
  type: 0,
  time: 1,
  latency: 2,
  targetAddr: 3,
  targetGroupId: 4,
  status: 5,
  statusCode: 6,
  reasonCode: 7,
  elb: 8,
  ipAddress: 9,
} as const;

export const healthCheckLine = lineFactory(HEALTH_CHECK_FIELDS, HEALTH_CHECK_POS);

/** Reason codes AWS lists (both copies of the page: `TimedOut` replaced the two older timeout codes). */
export const REASON_CODES: readonly string[] = [
  'TimedOut',
  'ConnectionReset',
  'ResponseCodeMismatch',
  'ResponseStringMismatch',
  'InternalError',
  'TargetError',
  'GRPCStatusHeaderEmpty',
  'GRPCUnexpectedStatus',
  'RequestTimedOut',
  'ConnectionTimedOut',
  'ClientCertTypeUnsupported',
];

/** `ip:port` (kept as one string: it may also be a Lambda ARN) or a Lambda function ARN. */
const targetAddr = fc.oneof(
  hostPort('ip', 'port').map((f) => ({ text: f.text, columns: { target_addr: f.text } })),
  fc
    .stringMatching(/^[a-zA-Z0-9-_]{1,20}$/)
    .map((name) => `arn:aws:lambda:us-east-2:123456789012:function:${name}`)
    .map((arn) => ({ text: arn, columns: { target_addr: arn } })),
);

/** Random valid values for every field of a 10-field line, in order. */
export const healthCheckFields: fc.Arbitrary<RenderedField[]> = fc
  .tuple(
    oneOfStrings('type', ['http', 'https', 'h2', 'grpc', 'lambda']),
    utcTimestamp('time'),
    decimal('latency'),
    targetAddr,
    bareToken('target_group_id', true),
    oneOfStrings('status', ['PASS', 'FAIL']),
    orDash(fc.oneof(oneOfStrings('status_code', ['200', '502', '000', '12']), bareToken('status_code', true))),
    fc.oneof(fc.constant(DASH), oneOfStrings('reason_code', REASON_CODES)),
    bareToken('elb', true),
    ipAddress.map((ip) => ({ text: ip, columns: { ip_address: ip } })),
  )
  .map((fields) => [...fields]);
