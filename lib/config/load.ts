/** Reads the configuration from the CDK context: each key by its table entry, then the rules across keys. */
import { checkContextKeys } from './context-keys';
import { type AlbIcebergConfig, isDerived, SETTING_ENTRIES } from './derived';
import { ConfigError } from './errors';
import { CROSS_KEY_RULES } from './rules';

/** Reads one raw context value; undefined when the key is absent. */
export type ContextReader = (key: string) => unknown;

/**
 * Reads, types and validates the configuration. An invalid value throws a {@link ConfigError} that names the key,
 * says what was expected and what was given.
 * @param read returns the raw context value of a key (e.g. `(k) => app.node.tryGetContext(k)`).
 * @param contextKeys every key present in the context (e.g. `Object.keys(app.node.getAllContext())`), to refuse
 *   misspelled keys; omitted = not checked.
 */
export function loadConfig(read: ContextReader, contextKeys: Iterable<string> = []): AlbIcebergConfig {
  checkContextKeys(contextKeys);
  const values: Record<string, unknown> = {};
  for (const [key, setting] of SETTING_ENTRIES) {
    const value = setting.parse(key, read(key));
    const problem = value === undefined ? undefined : setting.check?.(value);
    if (problem !== undefined) throw new ConfigError(key, problem);
    values[key] = value ?? ('default' in setting ? setting.default : undefined);
  }
  // Computed defaults see every other value, whatever the table order.
  for (const [key, setting] of SETTING_ENTRIES) {
    if (values[key] === undefined && isDerived(setting)) values[key] = setting.derive(values);
  }
  const config = values as unknown as AlbIcebergConfig;
  for (const rule of CROSS_KEY_RULES) {
    const error = rule.check(config);
    if (error) throw error;
  }
  return config;
}
