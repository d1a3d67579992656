/**
 * What the rest of the app uses, derived from the table in ./settings.ts: the config type, DEFAULTS (mirrored in
 * cdk.json) and CONFIG_KEYS. Adding an entry to the table adds the field, its default and its key here.
 */
import type { Defaulted, Derived, Optional, Setting } from './kinds';
import { SETTINGS } from './settings';

type Table = typeof SETTINGS;
type Key = keyof Table;

/** The value type of a setting. */
type ValueOf<S> = S extends Setting<infer T> ? T : never;

/** The keys that may stay unset (optional fields). */
type OptionalKey = { [K in Key]: Table[K] extends Optional<unknown> ? K : never }[Key];

/** The keys cdk.json lists: a fixed default, or `""` for "unset". */
type ContextKey = { [K in Key]: Table[K] extends Defaulted<unknown> | Optional<unknown, ''> ? K : never }[Key];

/**
 * Every value by key. Homomorphic over the table (`[K in keyof Table]`, then Pick and Partial), so each field keeps
 * the JSDoc and go-to-definition of its table entry.
 */
type Values = { readonly [K in keyof Table]: ValueOf<Table[K]> };

/** The validated configuration of one deployment: one field per entry of the table in ./settings.ts. */
export type AlbIcebergConfig = Omit<Values, OptionalKey> & Partial<Pick<Values, OptionalKey>>;

/** The default cdk.json writes for a setting: its default, or `""` for an optional key cdk.json leaves empty. */
type DefaultOf<S> = S extends Defaulted<infer T> ? T : '';

/** The defaults cdk.json writes, by key (homomorphic like {@link Values}, so each keeps its entry's JSDoc). */
export type Defaults = Pick<{ readonly [K in keyof Table]: DefaultOf<Table[K]> }, ContextKey>;

const entries = Object.entries(SETTINGS) as [Key, Setting<unknown>][];

function contextDefault(setting: Setting<unknown>): { readonly value: unknown } | undefined {
  if ('default' in setting) return { value: (setting as Defaulted<unknown>).default };
  if ('unset' in setting && (setting as Optional<unknown>).unset !== undefined) {
    return { value: (setting as Optional<unknown>).unset };
  }
  return undefined;
}

/**
 * Defaults, also written in cdk.json (a test keeps the two equal). Not listed: keys whose default is computed
 * (`createLogBucket` follows `logBucketName`) or belongs to the consumer (`checkpointEveryLines`, the handler's).
 */
export const DEFAULTS: Defaults = Object.fromEntries(
  entries.flatMap(([key, setting]) => {
    const found = contextDefault(setting);
    return found ? [[key, found.value]] : [];
  }),
) as Defaults;

/** Every key loadConfig reads, in table order. */
export const CONFIG_KEYS: readonly string[] = entries.map(([key]) => key);

/** Whether a setting's default is computed from the other values. */
export function isDerived(setting: Setting<unknown>): setting is Derived<unknown> {
  return 'derive' in setting;
}

/** The table's entries, typed loosely for the loops of loadConfig and the README generator. */
export const SETTING_ENTRIES: readonly (readonly [key: string, setting: Setting<unknown>])[] = entries;
