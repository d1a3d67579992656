/**
 * Deterministic generator of realistic ALB health-check-log lines, one per check result, in the format of
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-health-check-logs.html:
 * check types http, https, h2, grpc and lambda (the values AWS lists; ALB has no TCP health check), latencies with
 * nine decimals, `ip:port` targets and Lambda function ARNs, mostly PASS with `-` as reason, some FAIL with the
 * documented reason codes (the newer `TimedOut` and the older `RequestTimedOut`/`ConnectionTimedOut` both, as stored
 * files hold them); a check that got no response has `-` as status code. Generations: 8 fields (AWS's examples) and
 * 10 (`elb`, `ip_address`); 1% of the lines carry an unknown trailing field.
 */
import type { CorpusOptions } from '../corpus';
import { draws, microsecondTime } from './random';

const TYPES = ['http', 'http', 'http', 'https', 'https', 'h2', 'grpc', 'lambda'];
const TARGET_GROUPS = ['prod-web-tg', 'prod-api-tg', 'grpc-backend', 'canary-tg'];
/** Failures with a response from the target, per check type family, and the status codes they come with. */
const HTTP_FAILURES: readonly (readonly [string, readonly string[]])[] = [
  ['ResponseCodeMismatch', ['404', '500', '502', '503', '301']],
  ['TargetError', ['502', '500']],
  ['ResponseStringMismatch', ['200']],
];
/** gRPC checks report the gRPC status (the default success code is 12). */
const GRPC_FAILURES: readonly (readonly [string, readonly string[]])[] = [['GRPCUnexpectedStatus', ['2', '14']]];
const LAMBDA_FAILURES: readonly (readonly [string, readonly string[]])[] = [['TargetError', ['502']]];
/** Failures without a response: the status code is `-`. */
const FAIL_WITHOUT_RESPONSE = ['TimedOut', 'TimedOut', 'ConnectionReset', 'RequestTimedOut', 'ConnectionTimedOut'];
const ELB = 'app/prod-web/50dc6c495c0c9188';
const NODES = ['10.0.0.1', '10.0.1.23', '10.0.2.17'];
const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:prod-health-target';

/** Returns a function producing the next line each call; same seed, same lines. */
export function albHealthCheckLineGenerator(options: CorpusOptions = {}): () => string {
  const d = draws(options.seed ?? 42);
  let t = options.start ?? Date.UTC(2026, 10, 23, 18, 0, 0);
  return () => {
    t += d.int(0, 40);
    const type = d.pick(TYPES);
    const pass = d.r() < 0.93;
    const noResponse = !pass && d.r() < 0.5;
    const latency = noResponse ? 5 + d.r() : d.r() * (d.r() < 0.9 ? 0.05 : 1.5);
    let statusCode = type === 'grpc' ? '12' : '200';
    let reason = '-';
    if (!pass && noResponse) {
      statusCode = '-';
      reason =
        type === 'grpc' && d.r() < 0.3
          ? 'GRPCStatusHeaderEmpty'
          : d.r() < 0.05
            ? 'InternalError'
            : d.pick(FAIL_WITHOUT_RESPONSE);
    } else if (!pass) {
      const [code, statuses] = d.pick(
        type === 'grpc' ? GRPC_FAILURES : type === 'lambda' ? LAMBDA_FAILURES : HTTP_FAILURES,
      );
      reason = code;
      statusCode = d.pick(statuses);
    }
    const fields = [
      type,
      microsecondTime(t, d.int(0, 999)),
      latency.toFixed(9),
      type === 'lambda' ? LAMBDA : `${d.vpcIp()}:${type === 'grpc' ? 50051 : type === 'https' ? 8443 : 8080}`,
      d.pick(TARGET_GROUPS),
      pass ? 'PASS' : 'FAIL',
      statusCode,
      reason,
    ];
    const generation = d.r();
    if (generation < 0.2) return fields.join(' ');
    fields.push(ELB, d.pick(NODES));
    if (generation > 0.99) fields.push('-');
    return fields.join(' ');
  };
}
