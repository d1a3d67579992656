/**
 * Incident queries of the ALB health-check log table: which targets failed their checks, when, and why.
 * `status` is PASS or FAIL; `reason_code` says why a check failed (TimedOut, ResponseCodeMismatch, TargetError, …).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-health-check-logs.html
 */
import { savedQuery } from './per-table';
import type { NamedQuerySpec, QueryTable } from './sql';

export function albHealthCheckQueries(t: QueryTable): NamedQuerySpec[] {
  const logTypes = [t.schema.id];
  const status = t.column('status');
  return [
    {
      ...savedQuery(t, 'failingTargets', 'targets failing health checks, 5-minute buckets (last 6 hours)'),
      kind: 'incident',
      logTypes,
      description:
        'Failed health checks per 5-minute bucket, target group and target over the last 6 hours, with the share of ' +
        "checks that failed and the reasons seen. A target is marked unhealthy after the target group's unhealthy " +
        'threshold of consecutive failures: the bucket where its failures start is when it went bad.',
      sql: [
        'SELECT',
        `  ${t.fiveMinuteBucket()} AS bucket,`,
        `${t.columns(['target_group_id', 'target_addr'])},`,
        `  count_if(${status} = 'FAIL') AS failed,`,
        '  count(*) AS checks,',
        `  array_sort(array_agg(DISTINCT ${t.column('reason_code')})) AS reasons`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(6, 'HOUR')}`,
        'GROUP BY 1, 2, 3',
        `HAVING count_if(${status} = 'FAIL') > 0`,
        'ORDER BY bucket DESC, failed DESC',
      ].join('\n'),
    },
    {
      ...savedQuery(t, 'failureReasons', 'why health checks failed, by reason and status code (last day)'),
      kind: 'incident',
      logTypes,
      description:
        'Failed health checks of the last day by target group, reason code and the status code the target returned, ' +
        'with latency and the first and last failure. TimedOut with a high latency points at a slow or overloaded ' +
        'target; ResponseCodeMismatch at the health-check path or its success codes; TargetError at the target itself.',
      sql: [
        'SELECT',
        `${t.columns(['target_group_id', 'reason_code', 'status_code'])},`,
        '  count(*) AS failures,',
        `  count(DISTINCT ${t.column('target_addr')}) AS targets,`,
        `  ${t.percentile(t.column('latency'), 0.5)} AS p50_latency_s,`,
        `  max(${t.column('latency')}) AS max_latency_s,`,
        `  min(${t.time}) AS first_failure,`,
        `  max(${t.time}) AS last_failure`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'DAY')}`,
        `  AND ${status} = 'FAIL'`,
        'GROUP BY 1, 2, 3',
        'ORDER BY failures DESC',
      ].join('\n'),
    },
  ];
}
