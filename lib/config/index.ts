/**
 * Deployment configuration: every knob a user can turn, typed and validated in one place. The table of keys is
 * ./settings.ts; everything else here is derived from it.
 *
 * Values come from the `context` block of cdk.json (JSON types) or from `cdk deploy -c key=value` (always strings), so
 * every reader accepts both. An invalid value throws a {@link ConfigError} that names the key, says what was expected
 * and what was given; synthesis stops before anything is deployed.
 */
export { checkContextKeys, REMOVED_KEYS, UnknownConfigKeyError } from './context-keys';
export { type AlbIcebergConfig, CONFIG_KEYS, DEFAULTS, type Defaults, SETTING_ENTRIES } from './derived';
export { ConfigError } from './errors';
export type { Setting } from './kinds';
export { type ContextReader, loadConfig } from './load';
export { CROSS_KEY_RULES, type CrossKeyRule } from './rules';
export { COMPLETENESS_CHECK_TIMEOUT_MINUTES, type RemovalPolicyName, SETTINGS } from './settings';
