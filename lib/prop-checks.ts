/** The one check constructs run on their numeric props, so every such error reads alike. */

/**
 * Throws unless `value` is a whole number from `min` to `max` (an open range when `max` is absent).
 * @param owner the construct, named first in the message (`LakeBucket: …`)
 * @param unit named in the message of an open range (`a whole number of days, at least 1`)
 */
export function requireWholeNumber(
  owner: string,
  name: string,
  value: number,
  range: { readonly min: number; readonly max?: number; readonly unit?: string },
): void {
  const { min, max = Number.POSITIVE_INFINITY, unit } = range;
  if (Number.isInteger(value) && value >= min && value <= max) return;
  const expected = Number.isFinite(max) ? ` from ${min} to ${max}` : `${unit ? ` of ${unit},` : ''} at least ${min}`;
  throw new Error(`${owner}: ${name} must be a whole number${expected}; got ${value}`);
}
