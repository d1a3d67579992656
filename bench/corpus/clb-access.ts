/**
 * Deterministic generator of realistic Classic Load Balancer access-log lines, in the format of
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html: HTTP and HTTPS
 * listeners (status codes, a quoted request `"GET http://host:80/path HTTP/1.1"`, a quoted user agent) and TCP and
 * SSL listeners (`-` status codes, the request `"- - - "`, `"-"` as user agent); IPv4 and unbracketed IPv6 clients;
 * seconds with at most six decimals and trailing zeros dropped; `-1` for the three times, and `-` as backend, when
 * the request was not dispatched. Generations: 13 fields (before 2015, no TLS fields) and 15; 1% of the lines carry
 * an unknown trailing field.
 */
import type { CorpusOptions } from '../corpus';
import { draws, microsecondTime, trimmedSeconds } from './random';

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'Apache-HttpClient/4.5.14 (Java/17.0.9)',
  'ELB-HealthChecker/1.0',
  '-',
];
const PATHS = ['/', '/index.html', '/api/v1/orders?page=2', '/images/logo.png', '/login?next=%2Faccount'];
const STATUS = [200, 200, 200, 200, 200, 200, 304, 301, 404, 500, 502, 503, 504];
const CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'DHE-RSA-AES128-SHA'];
const ELB = 'prod-classic';
const HOST = 'www.example.com';

/** Returns a function producing the next line each call; same seed, same lines. */
export function clbAccessLineGenerator(options: CorpusOptions = {}): () => string {
  const d = draws(options.seed ?? 42);
  let t = options.start ?? Date.UTC(2026, 10, 23, 18, 0, 0);
  return () => {
    t += d.int(0, 3);
    const listener = d.r();
    const http = listener < 0.85;
    const tls = listener < 0.55 || listener > 0.95;
    const dispatched = d.r() > 0.01;
    const status = http && dispatched ? d.pick(STATUS) : http ? 503 : undefined;
    const times = dispatched
      ? `${trimmedSeconds(d.r() * 0.0001)} ${trimmedSeconds(d.r() * (d.r() < 0.9 ? 0.2 : 4))} ${trimmedSeconds(d.r() * 0.0001)}`
      : '-1 -1 -1';
    const client = d.r() < 0.1 ? d.ipv6() : d.ipv4();
    const request = http
      ? `"${d.r() < 0.85 ? 'GET' : 'POST'} ${tls ? 'https' : 'http'}://${HOST}:${tls ? 443 : 80}${d.pick(PATHS)} HTTP/1.1"`
      : '"- - - "';
    const fields = [
      microsecondTime(t, d.int(0, 999)),
      ELB,
      `${client}:${d.int(1024, 65535)}`,
      dispatched ? `${d.vpcIp()}:${http ? 80 : 8443}` : '-',
      times,
      status === undefined ? '-' : String(status),
      status === undefined || !dispatched ? '-' : String(status),
      String(http ? d.int(0, 4000) : d.int(0, 200_000)),
      String(http ? d.int(0, 60_000) : d.int(0, 2_000_000)),
      request,
      http ? `"${d.pick(USER_AGENTS)}"` : '"-"',
    ];
    const generation = d.r();
    if (generation < 0.1) return fields.join(' ');
    fields.push(tls ? `${d.pick(CIPHERS)} TLSv1.2` : '- -');
    if (generation > 0.99) fields.push('-');
    return fields.join(' ');
  };
}
