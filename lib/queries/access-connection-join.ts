/**
 * The one query across two tables: ALB access logs joined to ALB connection logs on `conn_trace_id`, the id ALB
 * writes into both for the requests of one client connection. It answers "what happened on the connection of these
 * failing requests" (TLS protocol, cipher, handshake latency, client certificate).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html
 */
import type { NamedQuerySpec, QueryTable } from './sql';

export function accessConnectionJoin(access: QueryTable, connection: QueryTable): NamedQuerySpec {
  const a = (c: string) => `a.${access.column(c)}`;
  const c = (col: string) => `c.${connection.column(col)}`;
  return {
    id: 'accessWithConnection',
    name: 'requests with their TLS connection: 5xx joined to connection logs on conn_trace_id (last hour)',
    kind: 'incident',
    logTypes: ['alb-access', 'alb-connection'],
    description:
      'Requests of the last hour that ended in a 5xx (or carry the trace id you put in place of the status filter), ' +
      'each with the TLS connection it came on: protocol, cipher, handshake latency, verify status and client ' +
      'certificate. Both tables are filtered on their own "time" (a connection starts before its requests, so the ' +
      'connection window is an hour wider), which keeps the scan to the partitions of those hours.',
    sql: [
      'SELECT',
      `  ${a('time')} AS request_time,`,
      `  ${a('elb')},`,
      `  ${a('client_ip')},`,
      `  ${a('request_verb')},`,
      `  ${a('request_url')},`,
      `  ${a('elb_status_code')},`,
      `  ${a('target_status_code')},`,
      `  ${c('time')} AS connection_time,`,
      `  ${c('tls_protocol')},`,
      `  ${c('tls_cipher')},`,
      `  ${c('tls_handshake_latency')},`,
      `  ${c('tls_verify_status')},`,
      `  ${c('leaf_client_cert_subject')},`,
      `  ${a('conn_trace_id')}`,
      `FROM ${access.ref} a`,
      `JOIN ${connection.ref} c`,
      `  ON ${c('conn_trace_id')} = ${a('conn_trace_id')}`,
      `WHERE ${a('time')} >= ${access.now} - INTERVAL '1' HOUR`,
      `  AND ${c('time')} >= ${connection.now} - INTERVAL '2' HOUR`,
      `  AND ${a('elb_status_code')} >= 500`,
      `ORDER BY ${a('time')} DESC`,
      'LIMIT 500',
    ].join('\n'),
  };
}
