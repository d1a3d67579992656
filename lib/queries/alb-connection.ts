/**
 * Incident queries of the ALB connection log table: TLS handshakes that failed and client certificates (mTLS) that
 * were refused. `tls_verify_status` is `Success` or `Failed:<code>` (ClientCertUntrusted, ClientCertExpired, …).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html
 */
import { savedQuery } from './per-table';
import type { NamedQuerySpec, QueryTable } from './sql';

export function albConnectionQueries(t: QueryTable): NamedQuerySpec[] {
  const logTypes = [t.schema.id];
  const status = t.column('tls_verify_status');
  return [
    {
      ...savedQuery(t, 'tlsHandshakeFailures', 'TLS handshake failures by listener, protocol and cipher (last hour)'),
      kind: 'incident',
      logTypes,
      description:
        'Connections of the last hour whose TLS handshake failed or whose verification did not succeed, per 5-minute ' +
        'bucket, listener port, TLS protocol, cipher and verify status, with the number of distinct clients. A ' +
        'handshake that failed has no tls_handshake_latency. A burst from one protocol or cipher after a listener ' +
        'policy change points at clients the new policy no longer accepts.',
      sql: [
        'SELECT',
        `  ${t.fiveMinuteBucket()} AS bucket,`,
        `${t.columns(['listener_port', 'tls_protocol', 'tls_cipher', 'tls_verify_status'])},`,
        '  count(*) AS connections,',
        `  count(DISTINCT ${t.column('client_ip')}) AS clients`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'HOUR')}`,
        `  AND (${status} LIKE 'Failed:%' OR (${t.column('tls_protocol')} IS NOT NULL AND ${t.column('tls_handshake_latency')} IS NULL))`,
        'GROUP BY 1, 2, 3, 4, 5',
        'ORDER BY bucket DESC, connections DESC',
      ].join('\n'),
    },
    {
      ...savedQuery(t, 'clientCertificateProblems', 'client certificates refused, by reason and subject (last day)'),
      kind: 'incident',
      logTypes,
      description:
        'Mutual TLS: client certificates the load balancer refused in the last day, by failure reason (the text after ' +
        '"Failed:"), certificate subject and serial number, with their validity and the clients that presented them. ' +
        'ClientCertExpired or a NotAfter in the past means a client needs a new certificate; ClientCertUntrusted means ' +
        'its issuer is not in the trust store.',
      sql: [
        'SELECT',
        `  substr(${status}, 8) AS reason,`,
        `${t.columns(['leaf_client_cert_subject', 'leaf_client_cert_serial_number', 'leaf_client_cert_validity'])},`,
        '  count(*) AS connections,',
        `  count(DISTINCT ${t.column('client_ip')}) AS clients,`,
        `  min(${t.time}) AS first_seen,`,
        `  max(${t.time}) AS last_seen`,
        `FROM ${t.ref}`,
        `WHERE ${t.since(1, 'DAY')}`,
        `  AND ${status} LIKE 'Failed:%'`,
        'GROUP BY 1, 2, 3, 4',
        'ORDER BY connections DESC',
        'LIMIT 100',
      ].join('\n'),
    },
  ];
}
