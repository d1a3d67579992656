import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { LogTypeId } from '../../lambda/schema/log-types';
import {
  type AlbIcebergConfig,
  CONFIG_KEYS,
  ConfigError,
  DEFAULTS,
  loadConfig,
  type RemovalPolicyName,
  SETTING_ENTRIES,
  type Setting,
} from '../../lib/config';
import { CDK_JSON_CONTEXT, REPO_ROOT } from './helpers';

/** A reader over a plain object, as `app.node.tryGetContext` reads cdk.json plus `-c` values. */
const from =
  (context: Record<string, unknown>) =>
  (key: string): unknown =>
    context[key];

/** Asserts that loading the context fails with a ConfigError naming `key` and matching `detail`. */
function assertRejects(context: Record<string, unknown>, key: string, detail: RegExp): void {
  assert.throws(
    () => loadConfig(from(context)),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
      assert.equal(error.key, key);
      assert.match(error.message, new RegExp(`^Invalid configuration "${key}": `));
      assert.match(error.message, detail);
      assert.match(error.message, new RegExp(`-c ${key}=<value>`));
      return true;
    },
  );
}

describe('loadConfig', () => {
  it('uses the defaults when nothing is set, creating a log bucket', () => {
    const config = loadConfig(from({}));
    assert.equal(config.createLogBucket, true);
    assert.equal(config.logBucketName, undefined);
    assert.equal(config.account, undefined);
    assert.equal(config.region, undefined);
    assert.equal(config.alarmEmail, undefined);
    for (const [key, value] of Object.entries(DEFAULTS)) {
      if (value === '') continue; // empty = unset
      assert.deepEqual(config[key as keyof typeof config], value, key);
    }
  });

  it('reads values given as strings (cdk -c key=value)', () => {
    const config = loadConfig(
      from({
        logBucketName: 'my-alb-logs',
        functionMemoryMiB: '2048',
        batchSize: '100',
        maxBatchingWindowSeconds: '20',
        serverAccessLogs: 'true',
        removalPolicy: 'retain',
        alarmEmail: 'ops@example.com',
        account: '123456789012',
        region: 'eu-west-1',
        logPrefix: 'prod/alb',
        rejectRateAlarmPercent: '0.5',
        noDataAlarmMinutes: '60',
        athenaBytesScannedCutoffGiB: '25',
      }),
    );
    assert.equal(config.createLogBucket, false);
    assert.equal(config.logBucketName, 'my-alb-logs');
    assert.equal(config.functionMemoryMiB, 2048);
    assert.equal(config.batchSize, 100);
    assert.equal(config.maxBatchingWindowSeconds, 20);
    assert.equal(config.serverAccessLogs, true);
    assert.equal(config.removalPolicy, 'retain');
    assert.equal(config.alarmEmail, 'ops@example.com');
    assert.equal(config.account, '123456789012');
    assert.equal(config.region, 'eu-west-1');
    assert.equal(config.logPrefix, 'prod/alb');
    assert.equal(config.rejectRateAlarmPercent, 0.5);
    assert.equal(config.noDataAlarmMinutes, 60);
    assert.equal(config.athenaBytesScannedCutoffGiB, 25);
  });

  it('reads the ledger and completeness-check keys; checkpointEveryLines stays unset unless given', () => {
    assert.equal(loadConfig(from({})).checkpointEveryLines, undefined);
    const config = loadConfig(
      from({
        ledgerRetentionDays: '0',
        checkpointEveryLines: '50000',
        completenessCheckMinutes: '0',
        completenessGraceMinutes: '60',
        completenessLookbackDays: '0',
        completenessAutoEnqueue: 'true',
      }),
    );
    assert.equal(config.ledgerRetentionDays, 0);
    assert.equal(config.checkpointEveryLines, 50_000);
    assert.equal(config.completenessCheckMinutes, 0);
    assert.equal(config.completenessGraceMinutes, 60);
    assert.equal(config.completenessLookbackDays, 0);
    assert.equal(config.completenessAutoEnqueue, true);
    assert.equal(loadConfig(from({ completenessCheckMinutes: 5 })).completenessCheckMinutes, 5);
  });

  it('knows checkpointEveryLines as a context key, so a misspelling of it stops synth', () => {
    assert.doesNotThrow(() => loadConfig(from({}), ['checkpointEveryLines', 'completenessAutoEnqueue']));
    assert.throws(
      () => loadConfig(from({}), ['checkpointEveryLine']),
      /Unknown configuration key "checkpointEveryLine".*did you mean "checkpointEveryLines"\?/,
    );
  });

  it('reads JSON-typed values (cdk.json)', () => {
    const config = loadConfig(from({ functionTimeoutSeconds: 600, serverAccessLogs: true, createLogBucket: true }));
    assert.equal(config.functionTimeoutSeconds, 600);
    assert.equal(config.serverAccessLogs, true);
  });

  const invalid: [key: string, value: unknown, detail: RegExp][] = [
    ['databaseName', 'alb-logs', /lower_snake_case.*no hyphens/],
    ['tableName', 'AccessLogs', /lower_snake_case/],
    ['tableName', '1table', /lower_snake_case/],
    ['functionTimeoutSeconds', 'abc', /integer from 90 to 900, got "abc"/],
    ['functionTimeoutSeconds', 30, /integer from 90 to 900, got 30/],
    ['functionTimeoutSeconds', '901', /got "901"/],
    ['functionTimeoutSeconds', 1.5, /integer/],
    ['functionMemoryMiB', 64, /integer from 128 to 10240/],
    ['maxConcurrency', 1, /integer from 2 to 1000/],
    ['maxReceiveCount', 0, /integer from 1 to 1000/],
    ['queueRetentionDays', 2, /integer from 4 to 14/],
    ['bufferingSizeMiB', 129, /integer from 1 to 128/],
    ['bufferingIntervalSeconds', 901, /integer from 0 to 900/],
    ['retryDurationSeconds', 7201, /integer from 0 to 7200/],
    ['logRetentionDays', 31, /values CloudWatch Logs accepts/],
    ['errorRetentionDays', 0, /integer from 1/],
    ['alarmEmail', 'not-an-email', /email address/],
    ['account', '1234', /12-digit/],
    ['region', 'Europe', /region code/],
    ['removalPolicy', 'snapshot', /"destroy" or "retain"/],
    ['logPrefix', '/alb', /access_logs\.s3\.prefix/],
    ['logPrefix', 'alb/', /access_logs\.s3\.prefix/],
    ['logPrefix', 'alb/AWSLogs', /without "AWSLogs"/],
    ['logBucketName', 'My_Bucket', /S3 bucket name/],
    ['createLogBucket', 'yes', /true or false/],
    ['serverAccessLogs', 'maybe', /true or false/],
    ['stackName', 'my stack', /letters, digits and "-"/],
    ['databaseName', 42, /expected a string/],
    ['backlogAgeAlarmSeconds', 30, /integer from 60 to 1209600/],
    ['backlogAgeAlarmSeconds', 'soon', /integer/],
    ['durationAlarmPercent', 101, /integer from 10 to 100/],
    ['durationAlarmPercent', 5, /integer from 10 to 100/],
    ['rejectRateAlarmPercent', 0, /number from 0.01 to 100, got 0/],
    ['rejectRateAlarmPercent', '150', /number from 0.01 to 100/],
    ['rejectRateAlarmPercent', 'one', /number from 0.01 to 100, got "one"/],
    ['dataFreshnessAlarmSeconds', 59, /integer from 60 to 86400/],
    ['firehoseLimitAlarmPercent', 120, /integer from 10 to 100/],
    ['noDataAlarmMinutes', 5, /0 \(no alarm\) or from 15 to 1440/],
    ['noDataAlarmMinutes', 1441, /integer from 0 to 1440/],
    ['noDataAlarmMinutes', -1, /integer from 0 to 1440/],
    ['athenaBytesScannedCutoffGiB', 0, /integer from 1 to 1048576/],
    ['athenaBytesScannedCutoffGiB', '0.5', /integer/],
    ['ledgerRetentionDays', -1, /integer from 0 to 36500, got -1/],
    ['ledgerRetentionDays', 'forever', /integer from 0 to 36500, got "forever"/],
    ['checkpointEveryLines', 0, /integer from 1 to 10000000, got 0/],
    ['checkpointEveryLines', '1e3x', /integer from 1 to 10000000/],
    ['completenessCheckMinutes', 4, /0 \(no check\) or from 5 \(the check's timeout, so runs never overlap\)/],
    ['completenessCheckMinutes', 1441, /integer from 0 to 1440/],
    ['completenessCheckMinutes', '15m', /integer from 0 to 1440, got "15m"/],
    ['completenessGraceMinutes', 4, /integer from 5 to 1440/],
    ['completenessLookbackDays', 8, /integer from 0 to 7/],
    ['completenessLookbackDays', -1, /integer from 0 to 7/],
    ['completenessAutoEnqueue', 'yes', /true or false/],
  ];
  for (const [key, value, detail] of invalid) {
    it(`rejects ${key}=${JSON.stringify(value)} naming the key`, () => {
      assertRejects({ [key]: value }, key, detail);
    });
  }

  // https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-considerations.html
  for (const [region, name] of [
    ['cn-north-1', /China/],
    ['cn-northwest-1', /China/],
    ['us-gov-west-1', /GovCloud/],
    ['us-gov-east-1', /GovCloud/],
    ['ap-east-2', /Asia Pacific \(Taipei\)/],
    ['ap-southeast-5', /Asia Pacific \(Malaysia\)/],
    ['ap-southeast-6', /Asia Pacific \(New Zealand\)/],
    ['mx-central-1', /Mexico \(Central\)/],
  ] as const) {
    it(`rejects region=${region}: Firehose has no Apache Iceberg destination there`, () => {
      assertRejects({ region }, 'region', name);
      assertRejects({ region }, 'region', /no Apache Iceberg destination/);
      assertRejects({ region }, 'region', /apache-iceberg-considerations\.html/);
    });
  }

  it('accepts regions with an Iceberg destination', () => {
    for (const region of ['us-east-1', 'eu-west-1', 'ap-east-1', 'ap-southeast-7', 'ca-west-1']) {
      assert.equal(loadConfig(from({ region })).region, region);
    }
  });

  it('rejects an unknown (misspelled) context key, naming it and the nearest known key', () => {
    assert.throws(
      () => loadConfig(from({ maxConcurency: '10' }), ['maxConcurency']),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.key, 'maxConcurency');
        assert.match(error.message, /Unknown configuration key "maxConcurency"/);
        assert.match(error.message, /did you mean "maxConcurrency"\?/);
        return true;
      },
    );
    assert.throws(() => loadConfig(from({}), ['alarmEmial']), /did you mean "alarmEmail"\?/);
    assert.throws(() => loadConfig(from({}), ['StackName']), /did you mean "stackName"\?/);
  });

  it("ignores the CDK's own context keys (feature flags, aws:cdk:*, lookups, CLI keys)", () => {
    const cdkKeys = [
      ...Object.keys(CDK_JSON_CONTEXT),
      'aws:cdk:enable-path-metadata',
      'aws:cdk:bundling-stacks',
      'aws-cdk:enableDiffNoFail',
      'cdk-migrate',
      'acknowledged-issue-numbers',
      'availability-zones:account=123456789012:region=eu-west-1',
      '@aws-cdk/core:newStyleStackSynthesis',
      'createLogBucket',
    ];
    assert.doesNotThrow(() => loadConfig(from(CDK_JSON_CONTEXT), cdkKeys));
  });

  it('ingests every log type by default, and the types a list names (JSON array or comma-separated), in table order', () => {
    assert.deepEqual(loadConfig(from({})).logTypes, [
      'alb-access',
      'alb-connection',
      'alb-health-check',
      'nlb-access',
      'clb-access',
    ]);
    assert.deepEqual(loadConfig(from({ logTypes: 'nlb-access, alb-access' })).logTypes, ['alb-access', 'nlb-access']);
    assert.deepEqual(loadConfig(from({ logTypes: ['clb-access'] })).logTypes, ['clb-access']);
  });

  it('rejects an unknown, repeated or empty log type list, naming the valid types', () => {
    assertRejects(
      { logTypes: 'alb-access,gwlb-flow' },
      'logTypes',
      /unknown log type "gwlb-flow"; the log types are alb-access, alb-connection/,
    );
    assertRejects({ logTypes: ['nlb-access', 'nlb-access'] }, 'logTypes', /names "nlb-access" twice/);
    assertRejects({ logTypes: ' , ' }, 'logTypes', /at least one of alb-access/);
    assertRejects({ logTypes: [1] }, 'logTypes', /expected a list of log types/);
  });

  it('rejects an ALB access table name that another type uses', () => {
    assertRejects({ tableName: 'connection_logs' }, 'tableName', /is the table of ALB connection logs/);
  });

  it('tells a deployment that still sets logSuffix what replaced it', () => {
    assert.throws(
      () => loadConfig(from({ logSuffix: '.log.gz' }), ['logSuffix']),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.key === 'logSuffix' &&
        /no longer a configuration key: .*logTypes/.test(error.message),
    );
  });

  it('rejects a batch size above 10 without a batching window', () => {
    assertRejects({ batchSize: '11', maxBatchingWindowSeconds: '0' }, 'batchSize', /maxBatchingWindowSeconds >= 1/);
  });

  it('rejects a backlog alarm that would fire only after queued messages expired', () => {
    assertRejects(
      { queueRetentionDays: '4', backlogAgeAlarmSeconds: String(4 * 86_400) },
      'backlogAgeAlarmSeconds',
      /below the ingest queue retention \(queueRetentionDays=4, 345600 s\)/,
    );
  });

  it('rejects a freshness alarm at or below the Firehose buffering interval', () => {
    assertRejects(
      { bufferingIntervalSeconds: '300', dataFreshnessAlarmSeconds: '300' },
      'dataFreshnessAlarmSeconds',
      /above bufferingIntervalSeconds \(300\)/,
    );
  });

  it('rejects creating a log bucket and importing one at the same time', () => {
    assertRejects({ createLogBucket: 'true', logBucketName: 'my-alb-logs' }, 'createLogBucket', /choose one/);
  });

  it('requires logBucketName when createLogBucket is false', () => {
    assertRejects({ createLogBucket: 'false' }, 'logBucketName', /required when createLogBucket is false/);
  });
});

/** The entries of one kind, with their range when the kind has one. */
function entriesOf(...kinds: Setting<unknown>['kind'][]) {
  const found = SETTING_ENTRIES.filter(([, s]) => kinds.includes(s.kind)) as (readonly [
    string,
    Setting<unknown> & { readonly min: number; readonly max: number },
  ])[];
  assert.ok(found.length > 0, `the table has settings of kind ${kinds.join(', ')}`);
  return found;
}

/** Asserts that parsing `raw` fails with a ConfigError for `key` whose message matches `detail`. */
function assertParseRejects(key: string, setting: Setting<unknown>, raw: unknown, detail: RegExp): void {
  assert.throws(
    () => setting.parse(key, raw),
    (error: unknown) => error instanceof ConfigError && error.key === key && detail.test(error.message),
    `${key}=${JSON.stringify(raw)}`,
  );
}

/** Whether two types are the same (readonly and optional modifiers included). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe('the settings table', () => {
  it('derives the field types the stack and the tests use (checked by tsc: a changed type does not compile)', () => {
    const same: true[] = [
      true satisfies Same<Pick<AlbIcebergConfig, 'stackName'>, { readonly stackName: string }>,
      true satisfies Same<Pick<AlbIcebergConfig, 'account'>, { readonly account?: string | undefined }>,
      true satisfies Same<Pick<AlbIcebergConfig, 'createLogBucket'>, { readonly createLogBucket: boolean }>,
      true satisfies Same<AlbIcebergConfig['logTypes'], readonly LogTypeId[]>,
      true satisfies Same<AlbIcebergConfig['removalPolicy'], RemovalPolicyName>,
      true satisfies Same<AlbIcebergConfig['rejectRateAlarmPercent'], number>,
      true satisfies Same<
        Pick<AlbIcebergConfig, 'checkpointEveryLines'>,
        { readonly checkpointEveryLines?: number | undefined }
      >,
    ];
    assert.equal(same.length, 7);
  });

  it('gives the loaded configuration one field per key, in table order', () => {
    assert.deepEqual(Object.keys(loadConfig(from({}))), CONFIG_KEYS);
    const set = loadConfig(from({ logBucketName: 'my-alb-logs', checkpointEveryLines: 7 }));
    assert.deepEqual(Object.keys(set), CONFIG_KEYS, 'set keys keep their place');
  });

  it('accepts every default, as cdk.json writes it and as -c writes it, and it passes its own check', () => {
    for (const [key, setting] of SETTING_ENTRIES) {
      if (!('default' in setting)) continue;
      const fallback = setting.default;
      for (const raw of [fallback, String(fallback)]) {
        const parsed = setting.parse(key, raw);
        assert.deepEqual(parsed, fallback, `${key}=${JSON.stringify(raw)}`);
        if (parsed !== undefined) assert.equal(setting.check?.(parsed), undefined, `${key}: default passes its check`);
      }
    }
  });

  it('reads every integer of its range, as a number or a string, and refuses the integers outside it', () => {
    for (const [key, setting] of entriesOf('integer')) {
      const { min, max } = setting;
      fc.assert(
        fc.property(fc.integer({ min, max }), (n) => {
          assert.equal(setting.parse(key, n), n);
          assert.equal(setting.parse(key, ` ${n} `), n);
        }),
        { numRuns: 50 },
      );
      const outside = fc.oneof(fc.integer({ max: min - 1 }), fc.integer({ min: max + 1 }));
      fc.assert(
        fc.property(outside, (n) => assertParseRejects(key, setting, n, new RegExp(`integer from ${min} to ${max}`))),
        { numRuns: 50 },
      );
      assertParseRejects(key, setting, min + 0.5, /integer/);
      assertParseRejects(key, setting, true, /integer/);
    }
  });

  it('reads every decimal of its range and refuses those outside it', () => {
    for (const [key, setting] of entriesOf('decimal')) {
      const { min, max } = setting;
      fc.assert(
        fc.property(fc.double({ min, max, noNaN: true }), (n) => {
          assert.equal(setting.parse(key, n), n);
          assert.equal(setting.parse(key, String(n)), n);
        }),
        { numRuns: 50 },
      );
      fc.assert(
        fc.property(
          fc.oneof(fc.double({ max: min, maxExcluded: true }), fc.double({ min: max, minExcluded: true })),
          (n) => assertParseRejects(key, setting, n, /number from/),
        ),
        { numRuns: 50 },
      );
    }
  });

  it('reads booleans as JSON or as the words, and refuses anything else', () => {
    for (const [key, setting] of entriesOf('boolean')) {
      assert.equal(setting.parse(key, true), true);
      assert.equal(setting.parse(key, 'false'), false);
      assert.equal(setting.parse(key, ''), undefined, 'empty = unset');
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string().filter((t) => !['', 'true', 'false'].includes(t)),
            fc.integer(),
          ),
          (raw) => assertParseRejects(key, setting, raw, /expected true or false/),
        ),
        { numRuns: 30 },
      );
    }
  });

  it('refuses a non-string for every key that takes text', () => {
    for (const [key, setting] of entriesOf('text', 'glue name', 'bucket name', 'one of')) {
      for (const raw of [42, true, ['a'], { a: 1 }]) assertParseRejects(key, setting, raw, /expected a string/);
    }
  });
});

describe('cdk.json', () => {
  it('lists the configuration keys in the order of the table', () => {
    const listed = Object.keys(CDK_JSON_CONTEXT).filter((key) => CONFIG_KEYS.includes(key));
    assert.deepEqual(listed, Object.keys(DEFAULTS));
  });

  it('lists every configuration key with its default', () => {
    for (const [key, value] of Object.entries(DEFAULTS)) {
      assert.deepEqual(CDK_JSON_CONTEXT[key], value, `cdk.json context "${key}"`);
    }
    assert.equal(CDK_JSON_CONTEXT.createLogBucket, undefined, 'createLogBucket follows logBucketName by default');
    assert.ok(CONFIG_KEYS.includes('createLogBucket'));
    assert.equal(CDK_JSON_CONTEXT.checkpointEveryLines, undefined, "checkpointEveryLines defaults to the handler's");
    assert.ok(CONFIG_KEYS.includes('checkpointEveryLines'));
  });

  it('turns CloudFormation schema findings into synthesis errors', () => {
    assert.equal(CDK_JSON_CONTEXT['@aws-cdk/core:validateAgainstDefaultRules'], true);
  });

  it('loads into a valid configuration', () => {
    const config = loadConfig(from(CDK_JSON_CONTEXT));
    assert.equal(config.createLogBucket, true);
  });
});

/** Runs bin/app.ts as `cdk synth` does, with these context values on top of cdk.json's. */
function runApp(context: Record<string, unknown>, outDir: string) {
  // The CDK CLI hands context to the app in CDK_CONTEXT_JSON.
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bin', 'app.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...context }),
      CDK_OUTDIR: path.join(REPO_ROOT, 'cdk.out', outDir),
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('bin/app.ts', () => {
  it('fails synthesis on a misspelled context key (cdk synth -c maxConcurency=10), naming the nearest known key', () => {
    const result = runApp({ maxConcurency: '10' }, 'config-test-unknown-key');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Unknown configuration key "maxConcurency".*did you mean "maxConcurrency"\?/);
  });

  it('fails synthesis with a message naming the bad key', () => {
    // The CDK CLI hands context to the app in CDK_CONTEXT_JSON; this is what `cdk synth -c databaseName=alb-logs` does.
    const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bin', 'app.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, databaseName: 'alb-logs' }),
        CDK_OUTDIR: path.join(REPO_ROOT, 'cdk.out', 'config-test'),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Invalid configuration "databaseName": must be lower_snake_case/);
  });
});
