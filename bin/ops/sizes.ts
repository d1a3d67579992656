/** Byte counts as the operator commands print them. Pure. */

/** `12.3 MB`-style size for humans (decimal units, as S3's console shows). */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** `528 bytes`, or `12.3 MB (12345678 bytes)` when a unit helps. */
export function bytesText(n: number): string {
  return n < 1000 ? `${n} bytes` : `${formatBytes(n)}, ${n} bytes`;
}
