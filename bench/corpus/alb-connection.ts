/**
 * Deterministic generator of realistic ALB connection-log lines, one per TLS connection attempt, in the format of
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-connection-logs.html:
 * TLS 1.3 and 1.2 ciphers (OpenSSL names, as AWS writes them), plain listeners with `-` TLS fields, mTLS client
 * certificates on part of the traffic (quoted subject, validity, hex serial), verify failures (`Failed:<code>`, the
 * handshake latency then `-`), `conn_trace_id`, the key exchange (classic and PQ-TLS), the load balancer and node.
 * Generations, as stored files hold them: 11 fields (launch, November 2023), 12 (`conn_trace_id`, May 2024; AWS's
 * examples), 13 (`tls_keyexchange`), 15 (`elb`, `ip_address`); 1% of the lines carry an unknown trailing field.
 */
import type { CorpusOptions } from '../corpus';
import { draws, microsecondTime } from './random';

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS12 = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'];
const KEY_EXCHANGES = ['x25519', 'x25519', 'secp256r1', 'X25519MLKEM768'];
/** The `Failed:` codes of the AWS page (the common ones, and one that only the newer copy lists). */
const VERIFY_FAILURES = [
  'ClientCertUntrusted',
  'ClientCertExpired',
  'ClientCertNotYetValid',
  'ClientCertRejected',
  'ClientCertCrlHit',
  'UnmappedConnectionError',
  'ClientCertIncompatible',
];
const CLIENT_ORGS = ['partner-a', 'partner-b', 'iot-fleet', 'billing-service'];
const ELB = 'app/prod-web/50dc6c495c0c9188';
const NODES = ['10.0.0.1', '10.0.1.23', '10.0.2.17'];

/** Returns a function producing the next line each call; same seed, same lines. */
export function albConnectionLineGenerator(options: CorpusOptions = {}): () => string {
  const d = draws(options.seed ?? 42);
  let t = options.start ?? Date.UTC(2026, 10, 23, 18, 0, 0);
  return () => {
    t += d.int(0, 3);
    const plain = d.r() < 0.05;
    const mtls = !plain && d.r() < 0.25;
    const failed = mtls ? d.r() < 0.08 : !plain && d.r() < 0.01;
    const tls13 = d.r() < 0.65;
    const org = d.pick(CLIENT_ORGS);
    const fields = [
      microsecondTime(t, d.int(0, 999)),
      d.r() < 0.08 ? d.ipv6() : d.ipv4(),
      String(d.int(1024, 65535)),
      plain ? '80' : d.r() < 0.9 ? '443' : '8443',
      plain ? '-' : tls13 ? 'TLSv1.3' : 'TLSv1.2',
      plain ? '-' : d.pick(tls13 ? TLS13 : TLS12),
      plain || failed ? '-' : (d.r() * (d.r() < 0.95 ? 0.05 : 2)).toFixed(3),
      mtls ? `"CN=${org}.example.com,O=${org},L=Seattle,ST=Washington,C=US"` : '-',
      mtls ? `NotBefore=2026-0${d.int(1, 9)}-21T22:43:21Z;NotAfter=2027-06-17T22:43:21Z` : '-',
      mtls ? d.hex(16).toUpperCase() : '-',
      plain ? '-' : failed ? `Failed:${d.pick(VERIFY_FAILURES)}` : 'Success',
    ];
    const generation = d.r();
    if (generation < 0.05) return fields.join(' ');
    fields.push(`TID_${d.hex(32)}`);
    if (generation < 0.25) return fields.join(' ');
    fields.push(plain ? '-' : d.pick(KEY_EXCHANGES));
    if (generation < 0.3) return fields.join(' ');
    fields.push(ELB, d.pick(NODES));
    if (generation > 0.99) fields.push('-');
    return fields.join(' ');
  };
}
