/**
 * The object ledger's table, the ingest function's ledger grants and environment, and the scheduled completeness
 * check (schedule, environment, grants, alarms, dashboard graphs), with the default configuration and with the
 * check's settings changed or turned off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECK_ENV } from '../../lambda/check/env';
import { ENV } from '../../lambda/ingest/env';
import {
  CHECK_METRICS,
  METRICS_CHECK_SERVICE,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  METRICS_SERVICE_DIMENSION,
  METRICS_STACK_DIMENSION,
} from '../../lambda/ingest/metrics-contract';
import { LEDGER_PARTITION_KEY, LEDGER_SORT_KEY, LEDGER_TTL_ATTRIBUTE } from '../../lambda/ledger/schema';
import { CHECK_TIMEOUT } from '../../lib/completeness-check';
import { COMPLETENESS_CHECK_TIMEOUT_MINUTES, DEFAULTS } from '../../lib/config';
import {
  asArray,
  type CfnResourceJson,
  logicalId,
  nagFindings,
  onlyResource,
  type PolicyStatementJson,
  resourcesOfType,
  roleStatements,
  type Synthesized,
  staleAcknowledgements,
  statementsOf,
  synth,
  validationReport,
} from './helpers';

const LOG_BUCKET = 'my-existing-alb-logs';
const json = JSON.stringify;
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const bucketArn = { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:s3:::${LOG_BUCKET}`]] };

interface AlarmJson {
  readonly AlarmName: string;
  readonly AlarmDescription: string;
  readonly Metrics?: {
    Id: string;
    Expression?: string;
    ReturnData?: boolean;
    MetricStat?: {
      Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] };
      Period: number;
      Stat: string;
    };
  }[];
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly TreatMissingData: string;
  readonly AlarmActions: unknown[];
  readonly OKActions: unknown[];
}

function alarmNamed(s: Synthesized, name: string): AlarmJson | undefined {
  return Object.values(resourcesOfType(s.template, 'AWS::CloudWatch::Alarm'))
    .map((a) => a.Properties as unknown as AlarmJson)
    .find((a) => a.AlarmName === name);
}

/** The dashboard's widgets, with every CloudFormation token rendered as `Ref:<id>` or `GetAtt:<id>.<attr>`. */
function dashboardWidgets(s: Synthesized): { type: string; properties: { title?: string; metrics?: unknown[][] } }[] {
  const [, dashboard] = onlyResource(s.template, 'AWS::CloudWatch::Dashboard');
  const parts = (dashboard.Properties as { DashboardBody: { 'Fn::Join': [string, unknown[]] } }).DashboardBody[
    'Fn::Join'
  ][1];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const o = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (o.Ref) return `Ref:${o.Ref}`;
      if (o['Fn::GetAtt']) return `GetAtt:${o['Fn::GetAtt'].join('.')}`;
      return 'token';
    })
    .join('');
  return (JSON.parse(text) as { widgets: { type: string; properties: { title?: string; metrics?: unknown[][] } }[] })
    .widgets;
}

/** The metric rows of the graph with this title (fails if there is none). */
function graphMetrics(s: Synthesized, title: string): unknown[][] {
  const widget = dashboardWidgets(s).find((w) => w.properties.title === title);
  assert.ok(widget, `dashboard graph "${title}"`);
  return widget.properties.metrics ?? [];
}

/** [namespace, name, dimension name, value, ...] of the plain metric rows of a graph (math rows left out). */
function metricIdentities(rows: unknown[][]): string[] {
  return rows
    .filter((row) => typeof row[0] === 'string' && typeof row[1] === 'string')
    .map((row) => row.filter((x) => typeof x === 'string').join(' '));
}

/** The environment variables of a function resource (fails if it has none). */
function environmentOf(fn: CfnResourceJson | undefined): Record<string, unknown> {
  const variables = (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  assert.ok(variables, 'the function has environment variables');
  return variables;
}

function checkFunctionOf(s: Synthesized): [string, CfnResourceJson] {
  const check = s.stack.completenessCheck;
  assert.ok(check, 'the completeness check exists');
  const id = logicalId(check.function);
  const fn = resourcesOfType(s.template, 'AWS::Lambda::Function')[id];
  assert.ok(fn, 'check function resource');
  return [id, fn];
}

const checkDimensions = (stackName: string) =>
  `${METRICS_SERVICE_DIMENSION} ${METRICS_CHECK_SERVICE} ${METRICS_STACK_DIMENSION} ${stackName}`;
const ingestDimensions = (stackName: string) =>
  `${METRICS_SERVICE_DIMENSION} ${METRICS_SERVICE} ${METRICS_STACK_DIMENSION} ${stackName}`;

describe('object ledger with the default configuration (imported log bucket with an ALB prefix)', () => {
  const s = synth({ logBucketName: LOG_BUCKET, logPrefix: 'prod-alb' });
  const { stack, template } = s;
  const tableId = logicalId(stack.ledger.table);
  const ingestRoleId = logicalId(stack.ingest.role);
  const ingestFunctionId = logicalId(stack.ingest.function);
  const [checkFunctionId, checkFunction] = checkFunctionOf(s);
  const checkRoleId = logicalId(stack.completenessCheck?.role ?? stack);
  const checkLogGroupId = logicalId(stack.completenessCheck?.logGroup ?? stack);
  const topicId = logicalId(stack.monitoring.topic);

  it('synthesizes without validation findings, unacknowledged cdk-nag findings or stale acknowledgements', () => {
    assert.deepEqual(validationReport(s.assemblyDir).pluginReports, []);
    assert.deepEqual(nagFindings(s.app), []);
    assert.deepEqual(staleAcknowledgements(s.app), []);
  });

  describe('ledger table', () => {
    const [, table] = onlyResource(template, 'AWS::DynamoDB::Table');

    it('has the key schema of lambda/ledger/schema.ts (string partition and sort keys) and on-demand billing', () => {
      assert.deepEqual(table.Properties?.KeySchema, [
        { AttributeName: LEDGER_PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: LEDGER_SORT_KEY, KeyType: 'RANGE' },
      ]);
      assert.deepEqual(table.Properties?.AttributeDefinitions, [
        { AttributeName: LEDGER_PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: LEDGER_SORT_KEY, AttributeType: 'S' },
      ]);
      assert.equal(table.Properties?.BillingMode, 'PAY_PER_REQUEST');
      assert.equal(table.Properties?.ProvisionedThroughput, undefined);
      assert.equal(table.Properties?.GlobalSecondaryIndexes, undefined, 'no index: Query on the table only');
    });

    it('is encrypted with the AWS-managed KMS key (no customer key), with point-in-time recovery', () => {
      // SSEEnabled without a key id = the AWS-managed key alias/aws/dynamodb.
      assert.deepEqual(table.Properties?.SSESpecification, { SSEEnabled: true });
      assert.deepEqual(resourcesOfType(template, 'AWS::KMS::Key'), {});
      assert.deepEqual(table.Properties?.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    });

    it('expires entries by TTL on expiresAt', () => {
      assert.deepEqual(table.Properties?.TimeToLiveSpecification, {
        AttributeName: LEDGER_TTL_ATTRIBUTE,
        Enabled: true,
      });
    });

    it('is retained on stack deletion and replacement, has deletion protection and no fixed name', () => {
      assert.equal(table.DeletionPolicy, 'Retain');
      assert.equal(table.UpdateReplacePolicy, 'Retain');
      assert.equal(table.Properties?.DeletionProtectionEnabled, true);
      assert.equal(table.Properties?.TableName, undefined, 'a redeploy after cdk destroy does not collide');
    });

    it('is named in the outputs, with a query command for one day folder', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      assert.deepEqual(outputs.LedgerTableName?.Value, ref(tableId));
      const query = json(outputs.LedgerFolderQuery?.Value);
      assert.ok(query.includes(`aws dynamodb query --table-name ",${json(ref(tableId))}`), query);
      assert.ok(query.includes(`'${LEDGER_PARTITION_KEY} = :folder'`), query);
      assert.ok(
        query.includes(`${LOG_BUCKET}/prod-alb/AWSLogs/<ACCOUNT_ID>/elasticloadbalancing/<REGION>/<YYYY>/<MM>/<DD>/`),
        query,
      );
    });
  });

  describe('ingest function and the ledger', () => {
    it('gets the ledger table name and retention; no checkpoint interval unless configured', () => {
      const fn = resourcesOfType(template, 'AWS::Lambda::Function')[ingestFunctionId];
      const variables = environmentOf(fn);
      assert.deepEqual(variables[ENV.ledgerTableName], ref(tableId));
      assert.equal(variables[ENV.ledgerRetentionDays], String(DEFAULTS.ledgerRetentionDays));
      assert.ok(!(ENV.checkpointEveryLines in variables));
    });

    it('may GetItem and UpdateItem on the ledger table only, and nothing else on DynamoDB', () => {
      const dynamo = roleStatements(template, ingestRoleId).filter((st) =>
        asArray(st.Action).some((a) => a.startsWith('dynamodb:')),
      );
      assert.equal(dynamo.length, 1);
      assert.equal(dynamo[0]?.Sid, 'ObjectLedger');
      assert.deepEqual(asArray(dynamo[0]?.Action ?? []).sort(), ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      assert.deepEqual(dynamo[0]?.Resource, arnOf(tableId));
      assert.equal(dynamo[0]?.Condition, undefined);
    });
  });

  describe('completeness check', () => {
    const props = checkFunction.Properties ?? {};
    const statements = roleStatements(template, checkRoleId);
    const bySid = (sid: string): PolicyStatementJson => {
      const found = statements.find((st) => st.Sid === sid);
      assert.ok(found, `statement ${sid}`);
      return found;
    };

    it('runs every 15 minutes by an EventBridge rule that invokes the function without retries', () => {
      const [, rule] = onlyResource(template, 'AWS::Events::Rule');
      assert.equal(rule.Properties?.ScheduleExpression, `rate(${DEFAULTS.completenessCheckMinutes} minutes)`);
      assert.equal(rule.Properties?.State, 'ENABLED');
      assert.deepEqual(rule.Properties?.Targets, [
        { Arn: arnOf(checkFunctionId), Id: 'Target0', RetryPolicy: { MaximumRetryAttempts: 0 } },
      ]);
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(checkFunctionId),
        Principal: 'events.amazonaws.com',
      });
    });

    it('is the bundled lambda/check handler on arm64 Node.js 24, sized for listing day folders', () => {
      assert.equal(props.Handler, 'index.handler');
      assert.deepEqual(props.Architectures, ['arm64']);
      assert.equal(props.Runtime, 'nodejs24.x');
      assert.equal(props.MemorySize, 512);
      assert.equal(props.Timeout, CHECK_TIMEOUT.toSeconds());
      assert.ok(
        CHECK_TIMEOUT.toMinutes() <= COMPLETENESS_CHECK_TIMEOUT_MINUTES,
        'the shortest interval is not below the timeout',
      );
    });

    it('never runs twice at once: reserved concurrency 1, no async retries, stale events dropped after an interval', () => {
      assert.equal(props.ReservedConcurrentExecutions, 1);
      const [, invokeConfig] = onlyResource(template, 'AWS::Lambda::EventInvokeConfig');
      assert.deepEqual(invokeConfig.Properties, {
        FunctionName: ref(checkFunctionId),
        MaximumEventAgeInSeconds: DEFAULTS.completenessCheckMinutes * 60,
        MaximumRetryAttempts: 0,
        Qualifier: '$LATEST',
      });
    });

    it('gets exactly the environment of lambda/check/env.ts (no queue URL without auto-enqueue)', () => {
      assert.deepEqual(props.Environment, {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          [CHECK_ENV.logBucket]: LOG_BUCKET,
          [CHECK_ENV.logPrefix]: 'prod-alb',
          [CHECK_ENV.ledgerTableName]: ref(tableId),
          [CHECK_ENV.stackName]: DEFAULTS.stackName,
          [CHECK_ENV.graceMinutes]: String(DEFAULTS.completenessGraceMinutes),
          [CHECK_ENV.lookbackDays]: String(DEFAULTS.completenessLookbackDays),
          [CHECK_ENV.autoEnqueue]: 'false',
        },
      });
    });

    it('logs to its own log group with the configured retention', () => {
      assert.deepEqual(props.LoggingConfig, { LogGroup: ref(checkLogGroupId) });
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: DEFAULTS.logRetentionDays },
        DeletionPolicy: 'Delete',
      });
      const logs = bySid('OwnLogGroup');
      assert.deepEqual(asArray(logs.Action).sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
      assert.deepEqual(logs.Resource, arnOf(checkLogGroupId));
      const role = resourcesOfType(template, 'AWS::IAM::Role')[checkRoleId];
      assert.equal(role?.Properties?.ManagedPolicyArns, undefined);
    });

    it('may list the watched prefix of the log bucket only (s3:prefix) and Query the ledger, nothing more', () => {
      const list = bySid('ListLogPrefix');
      assert.deepEqual(list.Action, 's3:ListBucket');
      assert.deepEqual(list.Resource, bucketArn);
      assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': 'prod-alb/AWSLogs/*' } });
      const query = bySid('QueryLedger');
      assert.deepEqual(query.Action, 'dynamodb:Query');
      assert.deepEqual(query.Resource, arnOf(tableId));
      assert.deepEqual(statements.map((st) => st.Sid).sort(), ['ListLogPrefix', 'OwnLogGroup', 'QueryLedger']);
      const actions = statements.flatMap((st) => asArray(st.Action));
      assert.ok(!actions.includes('sqs:SendMessage'), 'no SendMessage without auto-enqueue');
      assert.ok(!actions.includes('s3:GetObject'), 'the check never reads log objects');
    });

    it('alarms when the latest run counted any object not in the pipeline, pointing at the bucket notifications', () => {
      const a = alarmNamed(s, `${DEFAULTS.stackName}-ObjectsNotInPipeline`);
      assert.ok(a);
      assert.deepEqual(a.Metrics, [
        {
          Id: 'm1',
          Label: 'ObjectsNotInPipeline (Count)',
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: METRICS_NAMESPACE,
              MetricName: 'ObjectsNotInPipeline',
              Dimensions: [
                { Name: METRICS_SERVICE_DIMENSION, Value: METRICS_CHECK_SERVICE },
                { Name: METRICS_STACK_DIMENSION, Value: DEFAULTS.stackName },
              ],
            },
            Period: DEFAULTS.completenessCheckMinutes * 60,
            Stat: 'Maximum',
          },
        },
      ]);
      assert.equal(a.Threshold, 0);
      assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
      assert.equal(a.EvaluationPeriods, 1);
      assert.equal(a.TreatMissingData, 'notBreaching');
      assert.ok(
        a.AlarmDescription.includes(
          "log files are landing in S3 but not reaching the ingest queue: check the bucket's event notifications",
        ),
      );
      assert.match(a.AlarmDescription, /\. Do: /);
      assert.deepEqual(a.AlarmActions, [ref(topicId)]);
      assert.deepEqual(a.OKActions, [ref(topicId)]);
    });

    it('alarms when the check fails or stops running: errors, CheckErrors or no invocation, missing data breaching', () => {
      const a = alarmNamed(s, `${DEFAULTS.stackName}-CompletenessCheckFailing`);
      assert.ok(a);
      const expression = a.Metrics?.find((m) => m.Expression);
      assert.equal(expression?.Expression, 'IF(FILL(invocations, 0) < 1, 1, FILL(errors, 0) + FILL(checkErrors, 0))');
      assert.equal(expression?.ReturnData, true);
      const stat = (id: string) => a.Metrics?.find((m) => m.Id === id)?.MetricStat;
      const period = DEFAULTS.completenessCheckMinutes * 60;
      const lambdaMetric = (name: string) => ({
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: name,
          Dimensions: [{ Name: 'FunctionName', Value: ref(checkFunctionId) }],
        },
        Period: period,
        Stat: 'Sum',
      });
      assert.deepEqual(stat('errors'), lambdaMetric('Errors'));
      assert.deepEqual(stat('invocations'), lambdaMetric('Invocations'));
      assert.deepEqual(stat('checkErrors'), {
        Metric: {
          Namespace: METRICS_NAMESPACE,
          MetricName: 'CheckErrors',
          Dimensions: [
            { Name: METRICS_SERVICE_DIMENSION, Value: METRICS_CHECK_SERVICE },
            { Name: METRICS_STACK_DIMENSION, Value: DEFAULTS.stackName },
          ],
        },
        Period: period,
        Stat: 'Sum',
      });
      assert.equal(a.Threshold, 1);
      assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      assert.equal(a.EvaluationPeriods, 2);
      assert.equal(a.DatapointsToAlarm, 2);
      assert.equal(a.TreatMissingData, 'breaching');
      assert.deepEqual(a.AlarmActions, [ref(topicId)]);
      assert.deepEqual(a.OKActions, [ref(topicId)]);
    });

    it('shows the ledger states of the latest run on the dashboard', () => {
      const rows = metricIdentities(graphMetrics(s, 'Completeness check: objects by ledger state (latest run)'));
      assert.deepEqual(
        rows,
        ['ObjectsDone', 'ObjectsInProgress', 'ObjectsFailed', 'ObjectsNotInPipeline'].map(
          (name) => `${METRICS_NAMESPACE} ${name} ${checkDimensions(DEFAULTS.stackName)}`,
        ),
      );
      const all = dashboardWidgets(s).flatMap((w) => metricIdentities(w.properties.metrics ?? []));
      for (const name of Object.keys(CHECK_METRICS).filter((n) => n !== 'CheckErrors')) {
        assert.ok(
          all.some((r) => r === `${METRICS_NAMESPACE} ${name} ${checkDimensions(DEFAULTS.stackName)}`),
          name,
        );
      }
    });
  });

  describe('dashboard', () => {
    it("shows the ingest function's ledger metrics", () => {
      const rows = metricIdentities(graphMetrics(s, 'Handler: object ledger'));
      assert.deepEqual(
        rows,
        ['ObjectsAlreadyDone', 'ObjectsBusy', 'ObjectsTakenOver', 'CheckpointsPersisted', 'LedgerErrors'].map(
          (name) => `${METRICS_NAMESPACE} ${name} ${ingestDimensions(DEFAULTS.stackName)}`,
        ),
      );
    });

    it("shows the ledger table's throttled requests and system errors for the operations the pipeline calls", () => {
      for (const [title, metric] of [
        ['Ledger table: throttled requests', 'ThrottledRequests'],
        ['Ledger table: system errors', 'SystemErrors'],
      ] as const) {
        const rows = metricIdentities(graphMetrics(s, title));
        assert.deepEqual(
          rows.sort(),
          ['GetItem', 'Query', 'UpdateItem'].map(
            (operation) => `AWS/DynamoDB ${metric} Operation ${operation} TableName Ref:${tableId}`,
          ),
          title,
        );
      }
    });
  });

  it('adds the check to the stack: one rule, two Node.js functions (ingest, check)', () => {
    const functions = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).filter(
      (f) => f.Properties?.Runtime === 'nodejs24.x', // not the CDK's Python notification handler
    );
    assert.equal(functions.length, 2);
    assert.equal(Object.keys(resourcesOfType(template, 'AWS::Events::Rule')).length, 1);
  });
});

describe('completeness check with auto-enqueue, a 30-minute interval and a checkpoint interval', () => {
  const s = synth({
    logBucketName: LOG_BUCKET,
    completenessCheckMinutes: '30',
    completenessGraceMinutes: '45',
    completenessLookbackDays: '3',
    completenessAutoEnqueue: 'true',
    checkpointEveryLines: '25000',
    ledgerRetentionDays: '0',
  });
  const [checkFunctionId, checkFunction] = checkFunctionOf(s);
  const queueId = logicalId(s.stack.logSource.queue);
  const tableId = logicalId(s.stack.ledger.table);

  it('synthesizes without validation or cdk-nag findings', () => {
    assert.deepEqual(validationReport(s.assemblyDir).pluginReports, []);
    assert.deepEqual(nagFindings(s.app), []);
  });

  it('may send to the ingest queue only (sqs:SendMessage), and gets its URL', () => {
    const statements = roleStatements(s.template, logicalId(s.stack.completenessCheck?.role ?? s.stack));
    const send = statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('sqs:')));
    assert.equal(send.length, 1);
    assert.equal(send[0]?.Sid, 'EnqueueMissing');
    assert.deepEqual(send[0]?.Action, 'sqs:SendMessage');
    assert.deepEqual(send[0]?.Resource, arnOf(queueId));
    const variables = environmentOf(checkFunction);
    assert.deepEqual(variables[CHECK_ENV.ingestQueueUrl], ref(queueId));
    assert.equal(variables[CHECK_ENV.autoEnqueue], 'true');
    assert.equal(variables[CHECK_ENV.graceMinutes], '45');
    assert.equal(variables[CHECK_ENV.lookbackDays], '3');
    assert.ok(!(CHECK_ENV.logPrefix in variables), 'no LOG_PREFIX without an ALB prefix');
  });

  it('runs every 30 minutes; its alarms and dropped-event age follow the interval', () => {
    const [, rule] = onlyResource(s.template, 'AWS::Events::Rule');
    assert.equal(rule.Properties?.ScheduleExpression, 'rate(30 minutes)');
    const [, invokeConfig] = onlyResource(s.template, 'AWS::Lambda::EventInvokeConfig');
    assert.equal(invokeConfig.Properties?.MaximumEventAgeInSeconds, 1800);
    for (const id of ['ObjectsNotInPipeline', 'CompletenessCheckFailing']) {
      const a = alarmNamed(s, `${DEFAULTS.stackName}-${id}`);
      assert.ok(a, id);
      for (const m of a.Metrics ?? []) if (m.MetricStat) assert.equal(m.MetricStat.Period, 1800, `${id} ${m.Id}`);
    }
    assert.equal(checkFunctionId, logicalId(s.stack.completenessCheck?.function ?? s.stack));
  });

  it('passes the checkpoint interval and a retention of 0 (never expire) to the ingest function', () => {
    const fn = resourcesOfType(s.template, 'AWS::Lambda::Function')[logicalId(s.stack.ingest.function)];
    const variables = environmentOf(fn);
    assert.equal(variables[ENV.checkpointEveryLines], '25000');
    assert.equal(variables[ENV.ledgerRetentionDays], '0');
    assert.deepEqual(variables[ENV.ledgerTableName], ref(tableId));
  });
});

describe('completeness check turned off (completenessCheckMinutes=0)', () => {
  const s = synth({ logBucketName: LOG_BUCKET, completenessCheckMinutes: '0', completenessAutoEnqueue: 'true' });

  it('creates no check: no function, schedule, invoke config, alarms or dashboard graphs', () => {
    assert.equal(s.stack.completenessCheck, undefined);
    assert.deepEqual(resourcesOfType(s.template, 'AWS::Events::Rule'), {});
    assert.deepEqual(resourcesOfType(s.template, 'AWS::Lambda::EventInvokeConfig'), {});
    const ours = Object.values(resourcesOfType(s.template, 'AWS::Lambda::Function')).filter(
      (f) => f.Properties?.Runtime === 'nodejs24.x', // not the CDK's Python notification handler
    );
    assert.equal(ours.length, 1, 'only the ingest function');
    assert.equal(alarmNamed(s, `${DEFAULTS.stackName}-ObjectsNotInPipeline`), undefined);
    assert.equal(alarmNamed(s, `${DEFAULTS.stackName}-CompletenessCheckFailing`), undefined);
    const titles = dashboardWidgets(s).map((w) => w.properties.title ?? '');
    assert.ok(!titles.some((t) => t.startsWith('Completeness check')), titles.join(', '));
    const sends = Object.values(resourcesOfType(s.template, 'AWS::IAM::Policy')).flatMap((p) =>
      statementsOf(p.Properties?.PolicyDocument).filter((st) => st.Sid === 'EnqueueMissing'),
    );
    assert.deepEqual(sends, []);
  });

  it('keeps the ledger table, the ingest grants and the ledger graphs', () => {
    onlyResource(s.template, 'AWS::DynamoDB::Table');
    const tableId = logicalId(s.stack.ledger.table);
    const ledger = roleStatements(s.template, logicalId(s.stack.ingest.role)).find((st) => st.Sid === 'ObjectLedger');
    assert.deepEqual(ledger?.Resource, arnOf(tableId));
    const titles = dashboardWidgets(s).map((w) => w.properties.title);
    for (const title of ['Handler: object ledger', 'Ledger table: throttled requests', 'Ledger table: system errors']) {
      assert.ok(titles.includes(title), title);
    }
  });

  it('synthesizes without validation or cdk-nag findings', () => {
    assert.deepEqual(validationReport(s.assemblyDir).pluginReports, []);
    assert.deepEqual(nagFindings(s.app), []);
  });
});
