/**
 * Incident queries of the NLB access log table (TLS listeners only: NLB logs nothing for plain TCP or UDP).
 * `incoming_tls_alert` holds the TLS alert a client sent, when it sent one; a handshake that failed has no
 * `tls_handshake_time_ms`.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html
 */
import { savedQuery } from './per-table';
import type { NamedQuerySpec, QueryTable } from './sql';

export function nlbAccessQueries(t: QueryTable): NamedQuerySpec[] {
  const logTypes = [t.schema.id];
  return [
    {
      ...savedQuery(t, 'tlsErrors', 'TLS errors by listener, protocol and cipher (last hour)'),
      kind: 'incident',
      logTypes,
      description:
        'TLS connections of the last hour that failed their handshake (no tls_handshake_time_ms) or carried a TLS ' +
        'alert from the client, per 5-minute bucket, listener, protocol version, cipher suite and alert, with the ' +
        'number of distinct clients.',
      sql: [
        'SELECT',
        `  ${t.fiveMinuteBucket()} AS bucket,`,
        `${t.columns(['listener_id', 'tls_protocol_version', 'tls_cipher_suite', 'incoming_tls_alert'])},`,
        '  count(*) AS connections,',
        `  count(DISTINCT ${t.column('client_ip')}) AS clients`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'HOUR')}`,
        `  AND (${t.column('tls_handshake_time_ms')} IS NULL OR ${t.column('incoming_tls_alert')} IS NOT NULL)`,
        'GROUP BY 1, 2, 3, 4, 5',
        'ORDER BY bucket DESC, connections DESC',
      ].join('\n'),
    },
    {
      ...savedQuery(t, 'topClientsByBytes', 'top clients by bytes (last hour)'),
      kind: 'incident',
      logTypes,
      description:
        'The 50 clients that moved the most bytes over the last hour (received plus sent), with their connections, ' +
        'listeners and the p99 of the TCP connection time. client_ip may be IPv6, written without brackets by NLB.',
      sql: [
        'SELECT',
        `  ${t.column('client_ip')},`,
        '  count(*) AS connections,',
        `  sum(${t.column('received_bytes')}) AS received_bytes,`,
        `  sum(${t.column('sent_bytes')}) AS sent_bytes,`,
        `  sum(${t.column('received_bytes')} + ${t.column('sent_bytes')}) AS total_bytes,`,
        `  array_sort(array_agg(DISTINCT ${t.column('listener_id')})) AS listeners,`,
        `  ${t.percentile(t.column('tcp_connection_time_ms'), 0.99)} AS p99_connection_ms`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'HOUR')}`,
        'GROUP BY 1',
        'ORDER BY total_bytes DESC',
        'LIMIT 50',
      ].join('\n'),
    },
  ];
}
