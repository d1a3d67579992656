/**
 * The seeded draws every corpus generator shares (bench/corpus.ts's PRNG), so that one seed gives the same bytes
 * on every machine and run.
 */
import { seededRandom } from '../../test/support/aws-env';

/** Draws from one seeded stream: each call advances it, so the order of calls is part of the output. */
export interface Draws {
  /** Uniform in [0, 1). */
  readonly r: () => number;
  readonly pick: <T>(xs: readonly T[]) => T;
  /** An integer in [min, max]. */
  readonly int: (min: number, max: number) => number;
  /** `n` lower-case hex digits. */
  readonly hex: (n: number) => string;
  /** A public-looking IPv4 address (first octet 1–223). */
  readonly ipv4: () => string;
  /** A full IPv6 address as ELB writes it: eight groups, no brackets, no `::`. */
  readonly ipv6: () => string;
  /** A private address of the load balancer's VPC (10.0.0.0/16). */
  readonly vpcIp: () => string;
}

export function draws(seed: number): Draws {
  const r = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(r() * (max - min + 1));
  const hex = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(r() * 16)];
    return s;
  };
  return {
    r,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!,
    int,
    hex,
    ipv4: () => `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}`,
    ipv6: () => `2a02:a33c:4538:1:${hex(4)}:${hex(4)}:e01c:${hex(4)}`,
    vpcIp: () => `10.0.${int(0, 3)}.${int(2, 251)}`,
  };
}

/** An ISO-8601 UTC time with microseconds and `Z`, as ALB and CLB write it (`2026-11-23T18:00:00.123456Z`). */
export function microsecondTime(ms: number, micros: number): string {
  return new Date(ms).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

/** Seconds with at most six decimals and trailing zeros dropped (`0.00001`, `0.5`, `2`), as CLB writes them. */
export function trimmedSeconds(seconds: number): string {
  const s = seconds.toFixed(6).replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}
