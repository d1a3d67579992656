/**
 * fast-check generators of single log fields, each paired with the record values a correct parser must make of it.
 * The expected values follow the mapping rules stated in the README ("How values are mapped") and in
 * lambda/schema/types.ts (`FieldDecoder`), written out here by hand, so a property test compares the parser with
 * an independent statement of the format rather than with itself.
 */
import fc from 'fast-check';

/** One field as written in a log line, and the record values it must become (absent values are not listed). */
export interface RenderedField {
  readonly text: string;
  readonly columns: Readonly<Record<string, unknown>>;
}

export type FieldArbitrary = fc.Arbitrary<RenderedField>;

/** `-` means absent, for every decoder: no key in the record. */
export const DASH: RenderedField = { text: '-', columns: {} };

/** A value, or now and then the `-` AWS writes when it does not apply. */
export function orDash(arbitrary: FieldArbitrary): FieldArbitrary {
  return fc.oneof({ arbitrary, weight: 4 }, { arbitrary: fc.constant(DASH), weight: 1 });
}

/** A fixed text that becomes one string column verbatim (AWS's documented values). */
export function oneOfStrings(column: string, values: readonly string[]): FieldArbitrary {
  return fc.constantFrom(...values).map((text) => ({ text, columns: { [column]: text } }));
}

const two = (n: number) => String(n).padStart(2, '0');

/** The parts of a valid ISO-8601 date-time (days up to 28, so every month has them). */
const dateTime = fc
  .record({
    year: fc.integer({ min: 2000, max: 2099 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
  })
  .map((t) => `${t.year}-${two(t.month)}-${two(t.day)}T${two(t.hour)}:${two(t.minute)}:${two(t.second)}`);

/** ISO-8601 UTC with 0 to 9 fraction digits: sent exactly as written. */
export function utcTimestamp(column: string): FieldArbitrary {
  return fc.tuple(dateTime, fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined })).map(([base, fraction]) => {
    const text = `${base}${fraction === undefined ? '' : `.${fraction}`}Z`;
    return { text, columns: { [column]: text } };
  });
}

/** ISO-8601 without a zone (NLB, whole seconds): read as UTC, sent with `Z` appended. */
export function zonelessTimestamp(column: string): FieldArbitrary {
  return dateTime.map((text) => ({ text, columns: { [column]: `${text}Z` } }));
}

/** A base-10 integer in `[min, max]`, sometimes with leading zeros (the value, not the text, is kept). */
export function integer(column: string, min: number, max: number): FieldArbitrary {
  return fc.tuple(fc.integer({ min, max }), fc.integer({ min: 0, max: 2 })).map(([n, zeros]) => ({
    text: n < 0 ? String(n) : `${'0'.repeat(zeros)}${n}`,
    columns: { [column]: n },
  }));
}

/** A byte count: any safe integer (JSON.parse is exact up to 2^53), and the `-1` peers' test lines carry. */
export function byteCount(column: string): FieldArbitrary {
  return fc
    .oneof(fc.maxSafeNat(), fc.nat({ max: 100_000 }), fc.constant(-1))
    .map((n) => ({ text: String(n), columns: { [column]: n } }));
}

/**
 * A decimal number of seconds or milliseconds as ELB writes it: integer part, up to 9 fraction digits (trailing
 * zeros allowed: `0.000` is 0), or `-1` (not dispatched).
 */
export function decimal(column: string): FieldArbitrary {
  return fc
    .oneof(
      { arbitrary: fc.tuple(fc.nat({ max: 99_999 }), fc.stringMatching(/^\d{0,9}$/)), weight: 5 },
      { arbitrary: fc.constant([-1, ''] as [number, string]), weight: 1 },
    )
    .map(([whole, fraction]) => {
      const text = fraction === '' ? String(whole) : `${whole}.${fraction}`;
      return { text, columns: { [column]: Number(text) } };
    });
}

/** An IPv4 or IPv6 address as text (IPv6 in any of its valid spellings). */
export const ipAddress: fc.Arbitrary<string> = fc.oneof(fc.ipV4(), fc.ipV6());

/**
 * `ip:port`, into two columns: IPv4, IPv6 unbracketed (how ALB, NLB and CLB write it), or IPv6 in brackets; the
 * address is kept without brackets.
 */
export function hostPort(ipColumn: string, portColumn: string): FieldArbitrary {
  return fc
    .tuple(
      fc.oneof(
        fc.ipV4().map((ip) => ({ ip, written: ip })),
        fc.ipV6().map((ip) => ({ ip, written: ip })),
        fc.ipV6().map((ip) => ({ ip, written: `[${ip}]` })),
      ),
      fc.integer({ min: 0, max: 65535 }),
    )
    .map(([{ ip, written }, port]) => ({
      text: `${written}:${port}`,
      columns: { [ipColumn]: ip, [portColumn]: port },
    }));
}

/** Characters of bare (unquoted) tokens: what AWS writes, plus the backslashes, quotes and non-ASCII peers met. */
const BARE_UNITS = [
  'a',
  'Z',
  '0',
  '9',
  '.',
  ':',
  '/',
  '_',
  '-',
  '=',
  ',',
  ';',
  '+',
  '(',
  ')',
  '[',
  ']',
  '\\',
  'é',
  '"',
];

/**
 * A bare token kept verbatim as one string column. In formats that quote fields, a token that starts with `"` is
 * a quoted field instead, so `quoting` keeps the first character from being a quote.
 */
export function bareToken(column: string, quoting: boolean): FieldArbitrary {
  return fc
    .string({ unit: fc.constantFrom(...BARE_UNITS), minLength: 1, maxLength: 24 })
    .filter((t) => t !== '-' && !(quoting && t.startsWith('"')))
    .map((text) => ({ text, columns: { [column]: text } }));
}

/**
 * Pieces of a quoted field's content. Backslashes come only in pairs or before a quote, so the content never ends
 * in an escaping backslash; `\"` and ALB's `\x22` stay verbatim, like every other character.
 */
const QUOTED_UNITS = ['a', 'Z', '0', ' ', '=', ',', '/', '-', 'é', '😀', '\t', '\\"', '\\x22', '\\\\', "'", ';'];

/** A field written in double quotes: the content, verbatim, is the value; `""` and `"-"` are absent. */
export function quotedString(column: string): FieldArbitrary {
  return fc.string({ unit: fc.constantFrom(...QUOTED_UNITS), maxLength: 30 }).map((content) => ({
    text: `"${content}"`,
    columns: content === '' || content === '-' ? {} : { [column]: content },
  }));
}

/** A value or its absence, for a field that formats sometimes quote (`"-"`) and sometimes write bare (`-`). */
export function quotedOrDash(arbitrary: FieldArbitrary): FieldArbitrary {
  return fc.oneof(
    { arbitrary, weight: 5 },
    { arbitrary: fc.constant(DASH), weight: 1 },
    { arbitrary: fc.constant({ text: '"-"', columns: {} }), weight: 1 },
  );
}

/** Any run of characters but space: what a drifted format might append, parsed or not, never a rejection. */
export const anyToken: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom('a', '-', '"', '\\', '"-"', ':', '0', 'é', '\t', '{', '}', '\u0001'),
  minLength: 1,
  maxLength: 12,
});

/** Field texts joined by single spaces, and the union of their expected columns. */
export function joinFields(fields: readonly RenderedField[]): RenderedField {
  return {
    text: fields.map((f) => f.text).join(' '),
    columns: Object.assign({}, ...fields.map((f) => f.columns)),
  };
}
