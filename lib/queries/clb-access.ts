/**
 * Incident queries of the Classic Load Balancer access log table, the same questions as for ALB: 5xx and latency.
 * Processing times are -1 when the load balancer could not send the request to a backend or got no response; those
 * stay in the table as -1 and are left out of latency figures.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html
 */
import { savedQuery } from './per-table';
import type { NamedQuerySpec, QueryTable } from './sql';

export function clbAccessQueries(t: QueryTable): NamedQuerySpec[] {
  const logTypes = [t.schema.id];
  const elbCode = t.column('elb_response_code');
  const backendCode = t.column('backend_response_code');
  const backendTime = t.column('backend_processing_time');
  return [
    {
      ...savedQuery(t, 'errorsByBackend', '5xx by backend, 5-minute buckets (last hour)'),
      kind: 'incident',
      logTypes,
      description:
        '5xx responses per load balancer, backend and 5-minute bucket over the last hour. lb_generated counts the 5xx ' +
        'the load balancer produced itself (no backend response: typically 502/503/504). TCP and SSL listeners log ' +
        'no status codes and do not appear here.',
      sql: [
        'SELECT',
        `  ${t.fiveMinuteBucket()} AS bucket,`,
        `${t.columns(['elb_name', 'backend_ip', 'backend_port'])},`,
        '  count(*) AS elb_5xx,',
        `  count_if(${backendCode} IS NULL) AS lb_generated,`,
        `  array_sort(array_agg(DISTINCT ${elbCode})) AS status_codes`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'HOUR')}`,
        `  AND ${elbCode} >= 500`,
        'GROUP BY 1, 2, 3, 4',
        'ORDER BY bucket DESC, elb_5xx DESC',
      ].join('\n'),
    },
    {
      ...savedQuery(t, 'latencyByBackend', 'latency percentiles per load balancer and backend (last hour)'),
      kind: 'incident',
      logTypes,
      description:
        'Backend processing time percentiles (seconds) per load balancer and backend over the last hour, slowest p99 ' +
        'first. Requests that never reached a backend (processing time -1) are left out.',
      sql: [
        'SELECT',
        `${t.columns(['elb_name', 'backend_ip'])},`,
        '  count(*) AS requests,',
        `  ${t.percentile(backendTime, 0.5)} AS p50_s,`,
        `  ${t.percentile(backendTime, 0.9)} AS p90_s,`,
        `  ${t.percentile(backendTime, 0.99)} AS p99_s,`,
        `  max(${backendTime}) AS max_s`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'HOUR')}`,
        `  AND ${backendTime} >= 0`,
        'GROUP BY 1, 2',
        'ORDER BY p99_s DESC',
      ].join('\n'),
    },
  ];
}
