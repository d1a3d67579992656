/** The error every configuration check throws: synthesis stops before anything is deployed. */

/** A configuration value was missing, malformed or out of range. */
export class ConfigError extends Error {
  constructor(
    /** The context key at fault. */
    readonly key: string,
    detail: string,
  ) {
    super(`Invalid configuration "${key}": ${detail} (set it in cdk.json "context" or with -c ${key}=<value>)`);
    this.name = 'ConfigError';
  }
}
