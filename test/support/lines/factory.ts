/**
 * The shape every line factory in this folder shares (after test/support/alb-line.ts's `albLine({set, extra})`):
 * a documented default line, field by field, that a test changes only where it matters to it.
 */

/** How a test changes a factory's default line. */
export interface LineOptions<Name extends string> {
  /** Raw field text by name (include the quotes of a quoted field). */
  readonly set?: Partial<Record<Name, string>>;
  /** How many known fields to write (older format generations are shorter). Default: all of them. */
  readonly fields?: number;
  /** Raw text appended after the known fields (fields AWS may add), joined with spaces. */
  readonly extra?: readonly string[];
}

/**
 * A line factory for one log type.
 * @param defaults the default line's fields in order
 * @param positions each field's 0-based position, by a camelCase name
 */
export function lineFactory<Name extends string>(
  defaults: readonly string[],
  positions: Readonly<Record<Name, number>>,
): (options?: LineOptions<Name>) => string {
  return (options = {}) => {
    const fields = [...defaults];
    for (const [name, value] of Object.entries(options.set ?? {})) fields[positions[name as Name]] = value as string;
    return [...fields.slice(0, options.fields ?? fields.length), ...(options.extra ?? [])].join(' ');
  };
}
