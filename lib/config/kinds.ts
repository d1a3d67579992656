/**
 * The kinds of setting the table in ./settings.ts is made of: how a raw context value is parsed, what the README says
 * a key accepts, and what its default is. Values come from cdk.json "context" (JSON types) or from
 * `cdk deploy -c key=value` (always strings), so every kind accepts both.
 */
import { isLogTypeId, LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';
import { ConfigError } from './errors';

/** The kinds of setting, for readers of the table and for tests that cover every key of a kind. */
export type SettingKind =
  | 'text'
  | 'integer'
  | 'decimal'
  | 'boolean'
  | 'one of'
  | 'glue name'
  | 'bucket name'
  | 'log type list';

/** What every setting has, whatever its default. */
export interface Setting<T> {
  /** How raw values are parsed (an optional setting has the kind of its value). */
  readonly kind: SettingKind;
  /** What the key accepts, for the README (e.g. `90–900`). */
  readonly accepts: string;
  /** What the key does, for the README. */
  readonly doc: string;
  /** Parses a raw context value; undefined = not set (absent, null, or empty for most kinds). Throws ConfigError. */
  parse(key: string, raw: unknown): T | undefined;
  /** A rule of this key alone, run on a value that was set: the problem (the message's detail), or undefined. */
  check?(value: T): string | undefined;
}

/** A setting with a fixed default, written in cdk.json "context" too. */
export interface Defaulted<T> extends Setting<T> {
  readonly default: T;
}

/** A setting that may stay unset: the config field is optional. */
export interface Optional<T, Unset extends '' | undefined = '' | undefined> extends Setting<T> {
  readonly optional: true;
  /** The value cdk.json writes for "unset" (`""`), or undefined when cdk.json leaves the key out. */
  readonly unset: Unset;
  /** The README's default cell when cdk.json leaves the key out (e.g. "handler default"). */
  readonly defaultDoc?: string;
}

/** A setting whose default is computed from the other values (so it is not in cdk.json). */
export interface Derived<T> extends Setting<T> {
  /** The default, from the values of the other keys (after they are parsed). */
  derive(values: Readonly<Record<string, unknown>>): T;
  /** The README's default cell (e.g. "follows `logBucketName`"). */
  readonly defaultDoc: string;
}

/** What the factories below take besides the kind's own parameters. */
interface Described<T> {
  readonly doc: string;
  /** Overrides the README's "accepts" cell derived from the kind (when a check narrows it). */
  readonly accepts?: string;
  check?(value: T): string | undefined;
}

/** The raw value, or undefined when absent, null or an empty string. */
function present(raw: unknown): unknown {
  return raw === null || raw === '' ? undefined : raw;
}

function parseText(key: string, raw: unknown, allowEmpty: boolean): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new ConfigError(key, `expected a string, got ${JSON.stringify(raw)}`);
  const trimmed = raw.trim();
  if (trimmed === '' && !allowEmpty) throw new ConfigError(key, 'must not be empty');
  return trimmed;
}

function parseInteger(key: string, raw: unknown, min: number, max: number): number | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(key, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Text, trimmed; empty only with `allowEmpty` (else "must not be empty"). */
export function text(spec: Described<string> & { readonly default: string; readonly allowEmpty?: boolean }) {
  const { allowEmpty = false, ...rest } = spec;
  return {
    kind: 'text',
    accepts: 'text',
    ...rest,
    parse: (key: string, raw: unknown) => parseText(key, raw, allowEmpty),
  } satisfies Defaulted<string>;
}

/** Text that may be left empty (`""` in cdk.json): empty or blank = unset. */
export function optionalText(spec: Described<string>) {
  return {
    kind: 'text',
    accepts: 'text',
    ...spec,
    optional: true,
    unset: '',
    parse: (key: string, raw: unknown) => {
      const value = parseText(key, present(raw), true);
      return value === '' ? undefined : value;
    },
  } as const satisfies Optional<string, ''>;
}

/** An integer from min to max, both included. */
export function integer(
  spec: Described<number> & { readonly min: number; readonly max: number; readonly default: number },
) {
  const { min, max, ...rest } = spec;
  return {
    kind: 'integer',
    accepts: `${min}–${max}`,
    ...rest,
    min,
    max,
    parse: (key: string, raw: unknown) => parseInteger(key, raw, min, max),
  } satisfies Defaulted<number> & { min: number; max: number };
}

/** An integer from min to max that may stay unset (its consumer then uses its own default). */
export function optionalInteger(
  spec: Described<number> & { readonly min: number; readonly max: number; readonly defaultDoc: string },
) {
  const { min, max, ...rest } = spec;
  return {
    kind: 'integer',
    accepts: `${min}–${max}`,
    ...rest,
    min,
    max,
    optional: true,
    unset: undefined,
    parse: (key: string, raw: unknown) => parseInteger(key, raw, min, max),
  } as const satisfies Optional<number, undefined> & { min: number; max: number };
}

/** A decimal number from min to max (e.g. a percentage such as 0.5). */
export function decimal(
  spec: Described<number> & { readonly min: number; readonly max: number; readonly default: number },
) {
  const { min, max, ...rest } = spec;
  return {
    kind: 'decimal',
    accepts: `${min}–${max}`,
    ...rest,
    min,
    max,
    parse: (key: string, raw: unknown) => {
      const value = present(raw);
      if (value === undefined) return undefined;
      const trimmed = typeof value === 'string' ? value.trim() : undefined;
      const n =
        typeof value === 'number' ? value : trimmed !== undefined && trimmed !== '' ? Number(trimmed) : Number.NaN;
      if (!Number.isFinite(n) || n < min || n > max) {
        throw new ConfigError(key, `expected a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      }
      return n;
    },
  } satisfies Defaulted<number> & { min: number; max: number };
}

function parseBoolean(key: string, raw: unknown): boolean | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(key, `expected true or false, got ${JSON.stringify(value)}`);
}

const BOOLEAN_ACCEPTS = '`true`, `false`';

/** `true` or `false` (JSON booleans or the strings). */
export function boolean(spec: Described<boolean> & { readonly default: boolean }) {
  return { kind: 'boolean', accepts: BOOLEAN_ACCEPTS, ...spec, parse: parseBoolean } satisfies Defaulted<boolean>;
}

/** `true` or `false`, defaulting to a value computed from the other keys. */
export function derivedBoolean(
  spec: Described<boolean> & Pick<Derived<boolean>, 'derive' | 'defaultDoc'>,
): Derived<boolean> {
  return { kind: 'boolean', accepts: BOOLEAN_ACCEPTS, ...spec, parse: parseBoolean };
}

/** One of a few words. */
export function oneOf<const V extends string>(
  spec: Described<V> & { readonly values: readonly V[]; readonly default: V },
) {
  const { values, ...rest } = spec;
  const quoted = values.map((v) => `"${v}"`);
  const listed = `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
  return {
    kind: 'one of',
    accepts: values.map((v) => `\`${v}\``).join(', '),
    ...rest,
    values,
    parse: (key: string, raw: unknown): V | undefined => {
      const word = parseText(key, raw, false);
      if (word === undefined) return undefined;
      if (!(values as readonly string[]).includes(word)) throw new ConfigError(key, `must be ${listed}; got "${word}"`);
      return word as V;
    },
  } satisfies Defaulted<V> & { values: readonly V[] };
}

/**
 * Glue and Firehose name: lower case letters, digits and underscores. Firehose's destination table configuration
 * accepts `[a-zA-Z0-9._]+` and Glue folds names to lower case, so hyphens and capitals are refused here.
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_DestinationTableConfiguration.html
 */
export function glueName(spec: Described<string> & { readonly default: string }) {
  const { check, ...rest } = spec;
  return {
    kind: 'glue name',
    accepts: 'lower_snake_case',
    ...rest,
    parse: (key: string, raw: unknown) => parseText(key, raw, false),
    check: (name: string) =>
      /^[a-z_][a-z0-9_]{0,254}$/.test(name)
        ? check?.(name)
        : `must be lower_snake_case (a-z, 0-9, "_", starting with a letter or "_"; no hyphens: Firehose and Athena reject them); got "${name}"`,
  } satisfies Defaulted<string>;
}

/** Bucket naming rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
export function optionalBucketName(spec: Omit<Described<string>, 'check'>) {
  const base = optionalText({
    accepts: 'S3 bucket name',
    ...spec,
    check: (name) =>
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..')
        ? undefined
        : `must be an S3 bucket name (3-63 lower-case letters, digits, "." and "-"); got "${name}"`,
  });
  return { ...base, kind: 'bucket name' } as const satisfies Optional<string, ''>;
}

/**
 * A list of log type ids: a JSON array (cdk.json) or a comma-separated string (`-c logTypes=alb-access,nlb-access`).
 * Unknown, repeated and empty lists are refused: a typo would otherwise switch a type off silently.
 */
export function logTypeList(spec: Described<readonly LogTypeId[]> & { readonly default: readonly LogTypeId[] }) {
  return {
    kind: 'log type list',
    accepts: 'log type ids',
    ...spec,
    parse: (key: string, raw: unknown): readonly LogTypeId[] | undefined => {
      const value = present(raw);
      if (value === undefined) return undefined;
      const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
      if (!items || items.some((item) => typeof item !== 'string')) {
        throw new ConfigError(key, `expected a list of log types, got ${JSON.stringify(value)}`);
      }
      const names = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
      if (names.length === 0) throw new ConfigError(key, `must name at least one of ${LOG_TYPE_IDS.join(', ')}`);
      const seen = new Set<string>();
      for (const name of names) {
        if (!isLogTypeId(name)) {
          throw new ConfigError(key, `unknown log type "${name}"; the log types are ${LOG_TYPE_IDS.join(', ')}`);
        }
        if (seen.has(name)) throw new ConfigError(key, `names "${name}" twice`);
        seen.add(name);
      }
      // The order of LOG_TYPE_IDS, whatever order was written: construct ids and outputs do not depend on it.
      return LOG_TYPE_IDS.filter((id) => seen.has(id));
    },
  } satisfies Defaulted<readonly LogTypeId[]>;
}
