/**
 * The incident queries of the ALB access log table: what an on-call engineer reaches for first. Plain functions of
 * the table, so the stack, the tests and the README all show the same text (conventions: ./sql.ts).
 */
import { PER_TABLE_QUERY_NAMES } from './per-table';
import type { NamedQuerySpec, QueryTable } from './sql';

/** Console names of the ALB access table's queries, which other code refers to (README, tests). */
export const QUERY_NAMES = {
  errorsByTarget: '5xx by target, 5-minute buckets (last hour)',
  latencyByTargetGroup: 'latency percentiles per target group (last hour)',
  topClients: 'top clients and user agents (last hour)',
  byTraceId: 'requests of one trace, by its Root id (asks for the id; reads the minutes around its start)',
  ...PER_TABLE_QUERY_NAMES,
} as const;

/** The incident queries of the ALB access table (its per-table queries come from per-table.ts). */
export function albAccessQueries(q: QueryTable): NamedQuerySpec[] {
  const t = q.ref;
  const time = q.time;
  const since = (amount: number, unit: 'HOUR' | 'DAY') => q.since(amount, unit);
  const logTypes = ['alb-access'] as const;

  return [
    {
      id: 'errorsByTarget',
      name: QUERY_NAMES.errorsByTarget,
      kind: 'incident',
      logTypes,
      description:
        '5xx responses per target and 5-minute bucket over the last hour. lb_generated counts the 5xx the load ' +
        'balancer produced itself (no target response: typically 502/503/504); the rest came from the target. ' +
        'Change the INTERVAL to look further back.',
      sql: [
        'SELECT',
        `  ${q.fiveMinuteBucket()} AS bucket,`,
        '  target_group_arn,',
        '  target_ip,',
        '  target_port,',
        '  count(*) AS elb_5xx,',
        '  count_if(target_status_code IS NULL) AS lb_generated,',
        '  array_sort(array_agg(DISTINCT elb_status_code)) AS status_codes',
        `FROM ${t}`,
        `WHERE ${since(1, 'HOUR')}`,
        '  AND elb_status_code >= 500',
        'GROUP BY 1, 2, 3, 4',
        'ORDER BY bucket DESC, elb_5xx DESC',
      ].join('\n'),
    },
    {
      id: 'latencyByTargetGroup',
      name: QUERY_NAMES.latencyByTargetGroup,
      kind: 'incident',
      logTypes,
      description:
        'Target processing time percentiles (seconds) per target group over the last hour, slowest p99 first, plus ' +
        'the p99 of the whole load-balancer time. Requests that never reached a target (processing time -1) are ' +
        'left out.',
      sql: [
        'SELECT',
        '  target_group_arn,',
        '  count(*) AS requests,',
        `  ${q.percentile('target_processing_time', 0.5)} AS p50_s,`,
        `  ${q.percentile('target_processing_time', 0.9)} AS p90_s,`,
        `  ${q.percentile('target_processing_time', 0.99)} AS p99_s,`,
        '  max(target_processing_time) AS max_s,',
        `  ${q.percentile('request_processing_time + target_processing_time + response_processing_time', 0.99)} AS p99_total_s`,
        `FROM ${t}`,
        `WHERE ${since(1, 'HOUR')}`,
        '  AND target_processing_time >= 0',
        'GROUP BY target_group_arn',
        'ORDER BY p99_s DESC',
      ].join('\n'),
    },
    {
      id: 'topClients',
      name: QUERY_NAMES.topClients,
      kind: 'incident',
      logTypes,
      description:
        'The 50 busiest client IP and user-agent pairs over the last hour, with their 4xx/5xx count and bytes. ' +
        'Behind a proxy or CDN client_ip is the proxy: look at the X-Forwarded-For handling of your targets.',
      sql: [
        'SELECT',
        '  client_ip,',
        '  user_agent,',
        '  count(*) AS requests,',
        '  count_if(elb_status_code >= 400) AS errors,',
        '  sum(received_bytes) AS received_bytes,',
        '  sum(sent_bytes) AS sent_bytes',
        `FROM ${t}`,
        `WHERE ${since(1, 'HOUR')}`,
        'GROUP BY client_ip, user_agent',
        'ORDER BY requests DESC',
        'LIMIT 50',
      ].join('\n'),
    },
    {
      id: 'byTraceId',
      name: QUERY_NAMES.byTraceId,
      kind: 'incident',
      logTypes,
      description:
        'Every request of one trace, found by the Root id you enter (quoted, without "Root=", e.g. ' +
        "'1-67891233-abcdef012345678912345678'). The Root id's second part is the Unix time (hex seconds) the trace " +
        'started, so the query reads only requests the load balancer received from a minute before to five minutes ' +
        'after it (request_creation_time, whose Parquet statistics prune row groups, as "time" prunes days): a lookup ' +
        'reads a few row groups, not a day. A Root id made up by a client rather than by AWS may carry another time: ' +
        'widen the window. conn_trace_id joins with ALB connection logs.',
      sql: [
        // One parameter, used three times: the CTE names it once (Athena asks for each "?" separately).
        'WITH trace AS (',
        `  SELECT root, ${q.fromHexSeconds('substr(root, 3, 8)')} AS started`,
        '  FROM (SELECT CAST(? AS varchar) AS root)',
        ')',
        'SELECT',
        `  ${time},`,
        '  elb,',
        '  client_ip,',
        '  client_port,',
        '  target_ip,',
        '  target_port,',
        '  request_verb,',
        '  request_url,',
        '  elb_status_code,',
        '  target_status_code,',
        '  request_processing_time,',
        '  target_processing_time,',
        '  response_processing_time,',
        '  actions_executed,',
        '  lambda_error_reason,',
        '  trace_id,',
        '  conn_trace_id,',
        '  source_file,',
        '  line_number',
        `FROM ${t}`,
        'CROSS JOIN trace',
        `WHERE ${time} >= trace.started - INTERVAL '1' MINUTE`,
        `  AND ${time} < trace.started + INTERVAL '1' DAY`,
        "  AND request_creation_time >= trace.started - INTERVAL '1' MINUTE",
        "  AND request_creation_time < trace.started + INTERVAL '5' MINUTE",
        '  AND strpos(trace_id, trace.root) > 0',
        `ORDER BY ${time}`,
      ].join('\n'),
    },
  ];
}
