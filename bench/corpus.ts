/**
 * Deterministic generator of realistic ALB access-log lines for the benchmark: mixed request types, IPv4/IPv6
 * clients, TLS 1.2/1.3, quoted user agents with spaces, redirects and fixed responses without targets, malformed
 * requests, -1 sentinels, mixed format generations (29/30/33 fields) and a few lines with an unknown trailing field.
 * Same seed, same bytes.
 */
import { seededRandom } from '../test/support/aws-env';

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'curl/8.5.0',
  'okhttp/4.12.0',
  'ELB-HealthChecker/2.0',
  'python-requests/2.32.3',
  'Go-http-client/2.0',
  '-',
];
const PATHS = ['/', '/api/v1/orders', '/api/v1/users/12345', '/static/app.3f9a1c.js', '/login', '/search', '/health'];
const QUERIES = ['', '?page=2', '?q=load+balancer&sort=desc', '?id=\\x22abc\\x22', '?utm_source=mail&utm_campaign=nov'];
const TLS12 = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384'];
const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const STATUS = [200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 302, 304, 400, 403, 404, 500, 502, 503, 504];
const HOSTS = ['www.example.com', 'api.example.com', 'shop.example.org'];
const ELB = 'app/prod-web/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/prod-web-tg/73e2d6bc24d8a067';
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

export interface CorpusOptions {
  readonly seed?: number;
  /** Epoch milliseconds of the first line. */
  readonly start?: number;
  /**
   * The epoch milliseconds of each line's `time` (when the load balancer sent the response), one call per line. When
   * given, `request_creation_time` is that instant less the line's processing times, and the trace's Root id carries
   * its second in hex, as ALB writes them (the trace lookup relies on it). Default: lines 0-2 ms apart from `start`,
   * both times equal and random Root ids (the parser benchmark's corpus, unchanged).
   */
  readonly clock?: () => number;
}

/** Returns a function producing the next line each call. */
export function lineGenerator(options: CorpusOptions = {}): () => string {
  const r = seededRandom(options.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
    return s;
  };
  let t = options.start ?? Date.UTC(2026, 10, 23, 18, 0, 0);
  const clock = options.clock;
  /** ALB's timestamps: ISO-8601 with microseconds. */
  const stamp = (ms: number, micros: string) => new Date(ms).toISOString().replace('Z', `${micros}Z`);
  return () => {
    if (clock) t = clock();
    else t += Math.floor(r() * 3);
    const micros = String(Math.floor(r() * 1000)).padStart(3, '0');
    const time = stamp(t, micros);
    const kind = r();
    const type = kind < 0.15 ? 'http' : kind < 0.75 ? 'https' : kind < 0.95 ? 'h2' : kind < 0.97 ? 'grpcs' : 'wss';
    const tls = type !== 'http';
    const client =
      r() < 0.15
        ? `2a02:a33c:4538:1:${hex(4)}:${hex(4)}:e01c:${hex(4)}:${1024 + Math.floor(r() * 60000)}`
        : `${Math.floor(r() * 223) + 1}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}:${1024 + Math.floor(r() * 60000)}`;
    const action = r();
    const redirect = action < 0.03;
    const fixed = !redirect && action < 0.05;
    const noTarget = redirect || fixed;
    const status = redirect ? 301 : fixed ? 503 : pick(STATUS);
    const target = noTarget ? '-' : `10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 250) + 2}:8080`;
    const dispatched = !noTarget && r() > 0.01;
    const times = dispatched
      ? `0.00${Math.floor(r() * 3)} ${(r() * (r() < 0.9 ? 0.2 : 3)).toFixed(3)} 0.000`
      : '-1 -1 -1';
    // The request was created its processing times before the response was sent.
    const elapsedMs = dispatched ? Math.round(times.split(' ').reduce((sum, x) => sum + Number(x), 0) * 1000) : 0;
    const created = clock ? stamp(t - elapsedMs, micros) : time;
    const createdSecondHex = Math.floor((t - elapsedMs) / 1000).toString(16);
    const host = pick(HOSTS);
    const verb = r() < 0.8 ? 'GET' : pick(['POST', 'PUT', 'DELETE', 'OPTIONS']);
    const port = tls ? 443 : 80;
    const scheme = type === 'wss' ? 'wss' : tls ? 'https' : 'http';
    const request =
      r() < 0.005
        ? '"- - - "'
        : `"${verb} ${scheme}://${host}:${port}${pick(PATHS)}${pick(QUERIES)} ${type === 'h2' || type === 'grpcs' ? 'HTTP/2.0' : 'HTTP/1.1'}"`;
    const cipher = tls ? (r() < 0.6 ? `${pick(TLS13)} TLSv1.3` : `${pick(TLS12)} TLSv1.2`) : '- -';
    const targetStatus = noTarget || !dispatched ? '-' : String(status);
    const fields = [
      type,
      time,
      ELB,
      client,
      target,
      times,
      String(status),
      targetStatus,
      String(Math.floor(r() * 2000)),
      String(Math.floor(r() * 50000)),
      request,
      `"${pick(USER_AGENTS)}"`,
      cipher,
      noTarget ? '-' : TG,
      // hex(8) only without a clock: the default corpus draws its random numbers in the order it always has.
      `"Root=1-${clock ? createdSecondHex : hex(8)}-${hex(24)}"`,
      tls ? `"${host}"` : '"-"',
      tls ? (r() < 0.5 ? '"session-reused"' : `"${CERT}"`) : '"-"',
      String(Math.floor(r() * 10)),
      created,
      redirect ? '"redirect"' : fixed ? '"fixed-response"' : r() < 0.3 ? '"waf,forward"' : '"forward"',
      redirect ? `"https://${host}:443/"` : '"-"',
      '"-"',
      noTarget ? '"-"' : `"${target}"`,
      `"${targetStatus}"`,
      '"-"',
      '"-"',
    ];
    const generation = r();
    if (generation < 0.1) return fields.join(' ');
    fields.push(`TID_${hex(16)}`);
    if (generation < 0.3) return fields.join(' ');
    fields.push('"-"', '"-"', '"-"');
    if (generation > 0.99) fields.push(`10.0.${Math.floor(r() * 4)}.${Math.floor(r() * 250)}`);
    return fields.join(' ');
  };
}

/**
 * The S3 key a corpus file is benchmarked under: an ALB access-log key of the corpus's own load balancer, so records
 * carry `account_id`, `region` and `source_file` exactly as the Lambda sends them (a bare file name would leave them
 * out and understate Firehose bytes).
 */
export function benchKey(name: string): string {
  const random = name.replace(/[^a-z0-9]/gi, '').slice(0, 12);
  const [, lbName, lbId] = ELB.split('/');
  return (
    'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/23/' +
    `123456789012_elasticloadbalancing_us-east-1_app.${lbName}.${lbId}_20261123T1805Z_10.0.0.1_${random}.log.gz`
  );
}
