/**
 * Refuses context keys that look like ours but are not configuration keys: a misspelling (`-c maxConcurency=10`)
 * would otherwise be ignored silently, and a key of an earlier version would do nothing.
 */
import { CONFIG_KEYS } from './derived';
import { ConfigError } from './errors';

/** A context key that is not a configuration key (a typo would otherwise be ignored silently). */
export class UnknownConfigKeyError extends ConfigError {
  constructor(key: string, nearest: string) {
    super(key, 'unknown');
    this.name = 'UnknownConfigKeyError';
    this.message =
      `Unknown configuration key "${key}" (did you mean "${nearest}"?): fix or remove it in cdk.json "context" or ` +
      `the -c option. Configuration keys: ${CONFIG_KEYS.join(', ')}`;
  }
}

/**
 * Whether a context key may be one of ours. The CDK and its CLI keep their own keys in the same context, and all of
 * them contain ":", "@", "/" or "-" (feature flags `@aws-cdk/...`, `aws:cdk:*`, `aws-cdk:enableDiffNoFail`,
 * `cdk-migrate`, `acknowledged-issue-numbers`, lookups such as `availability-zones:account=...`). The keys of this
 * app are lowerCamelCase words, so only keys of that shape are checked, and none that starts with "cdk" or "aws".
 */
function isAppKeyShaped(key: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(key) && !/^(cdk|aws)/i.test(key);
}

/** Levenshtein distance, case-insensitive (so `StackName` suggests `stackName`). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/** Keys earlier versions read, with what replaced them: a deployment that still sets one is told, not ignored. */
export const REMOVED_KEYS: Readonly<Record<string, string>> = {
  logSuffix:
    'the bucket notifications now filter on the suffix of each enabled log type (.log.gz, and .log for Classic Load Balancer logs); remove the key and choose types with "logTypes"',
};

/** Throws {@link UnknownConfigKeyError} for the first context key shaped like ours that is not a configuration key. */
export function checkContextKeys(keys: Iterable<string>): void {
  for (const key of keys) {
    const removed = REMOVED_KEYS[key];
    if (removed !== undefined) throw new ConfigError(key, `is no longer a configuration key: ${removed}`);
    if (CONFIG_KEYS.includes(key) || !isAppKeyShaped(key)) continue;
    const nearest = [...CONFIG_KEYS].sort((a, b) => editDistance(key, a) - editDistance(key, b))[0] ?? '';
    throw new UnknownConfigKeyError(key, nearest);
  }
}
