/**
 * Deterministic generator of realistic NLB access-log lines, in the format of
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-access-logs.html. NLB logs TLS
 * listeners only, one entry per connection at its end, so the mix is of connections, not listener kinds: completed
 * handshakes (tlsv12/tlsv13, OpenSSL and IANA cipher names, x25519 and other key exchanges, SNI, ALPN with its
 * bare token of quoted protocols `"h2","http/1.1"`) and connections that never completed one (`… 1 - 0 0 - - - …`:
 * scanners, health probes, plain TCP sent to the TLS port). Clients are IPv4 and IPv6, both written `ip:port`
 * without brackets; times have whole seconds and no zone. Generations: version 1.0 (18 fields), 2.0 with ALPN (21),
 * 2.0 with `tls_connection_creation_time` (22); 1% of the lines carry an unknown trailing field.
 */
import type { CorpusOptions } from '../corpus';
import { draws } from './random';

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS12 = ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA'];
const KEY_EXCHANGES = ['x25519', 'x25519', 'secp256r1', 'X25519MLKEM768'];
const DOMAINS = ['mqtt.example.com', 'api.example.com', 'prod-tls-0123456789abcdef.elb.us-east-1.amazonaws.com'];
/** Client ALPN preference lists, verbatim (`-` when the client offered none). */
const ALPN_LISTS = ['"h2","http/1.1"', '"http/1.1"', '"h2"', '-'];
const ELB = 'net/prod-tls/0123456789abcdef';
const LISTENERS = ['g3d4b5e8bb8464cd', '7a1c9e02d4f6b8a3'];
const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99';

/** `2026-11-23T18:00:00`: whole seconds, no zone (NLB's form). */
const noZone = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** Returns a function producing the next line each call; same seed, same lines. */
export function nlbAccessLineGenerator(options: CorpusOptions = {}): () => string {
  const d = draws(options.seed ?? 42);
  let t = options.start ?? Date.UTC(2026, 10, 23, 18, 0, 0);
  return () => {
    t += d.int(0, 12);
    const generation = d.r();
    const version = generation < 0.05 ? '1.0' : '2.0';
    const handshake = d.r() > 0.04;
    const tls13 = d.r() < 0.6;
    const connectionMs = handshake ? d.int(2, d.r() < 0.8 ? 2_000 : 3_600_000) : d.int(0, 30);
    const alpnList = handshake ? d.pick(ALPN_LISTS) : '-';
    const alpn = alpnList === '-' ? '-' : alpnList.startsWith('"h2"') ? 'h2' : 'http/1.1';
    const client = d.r() < 0.15 ? d.ipv6() : d.ipv4();
    const fields = [
      'tls',
      version,
      noZone(t),
      ELB,
      d.pick(LISTENERS),
      `${client}:${d.int(1024, 65535)}`,
      `${d.vpcIp()}:${d.r() < 0.8 ? 443 : 8883}`,
      String(connectionMs),
      handshake ? String(d.int(1, 40)) : '-',
      handshake ? String(d.int(200, 500_000)) : '0',
      handshake ? String(d.int(200, 5_000_000)) : '0',
      '-',
      handshake ? CERT : '-',
      '-',
      handshake ? d.pick(tls13 ? TLS13 : TLS12) : '-',
      handshake ? (tls13 ? 'tlsv13' : 'tlsv12') : '-',
      handshake && version === '2.0' ? d.pick(KEY_EXCHANGES) : '-',
      handshake ? d.pick(DOMAINS) : '-',
    ];
    if (version === '1.0') return fields.join(' ');
    fields.push(alpn, alpn, alpnList);
    if (generation < 0.25) return fields.join(' ');
    fields.push(noZone(t - connectionMs));
    if (generation > 0.99) fields.push('-');
    return fields.join(' ');
  };
}
