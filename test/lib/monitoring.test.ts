/**
 * Monitoring: the alarm topic, the alarms (metric, threshold, missing-data rule, actions) and the dashboard, with the
 * default configuration and with every monitoring setting changed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHECK_METRICS,
  METRICS,
  METRICS_CHECK_SERVICE,
  METRICS_LOG_TYPE_DIMENSION,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  METRICS_SERVICE_DIMENSION,
  METRICS_STACK_DIMENSION,
} from '../../lambda/ingest/metrics-contract';
import type { LogTypeId } from '../../lambda/schema/types';
import { DEFAULTS } from '../../lib/config';
import { type AlarmId, alarmName, LOG_TYPE_ALARM_IDS, STACK_ALARM_IDS } from '../../lib/monitoring';
import { perTableQueryName, QueryTable } from '../../lib/queries';
import {
  logicalId,
  nagFindings,
  onlyResource,
  resourcesOfType,
  statementsOf,
  synth,
  validationReport,
} from './helpers';

const json = JSON.stringify;
const ref = (id: string) => ({ Ref: id });

interface MetricStatJson {
  readonly Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] };
  readonly Period: number;
  readonly Stat: string;
}
interface AlarmJson {
  readonly AlarmName: string;
  readonly AlarmDescription: string;
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
  readonly Statistic?: string;
  readonly ExtendedStatistic?: string;
  readonly Period?: number;
  readonly Metrics?: { Id: string; Expression?: string; MetricStat?: MetricStatJson; ReturnData?: boolean }[];
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly TreatMissingData: string;
  readonly AlarmActions: unknown[];
  readonly OKActions: unknown[];
}

/** The metric of a single-metric alarm, whichever form CloudFormation got. */
function singleMetric(a: AlarmJson): {
  namespace?: string;
  name?: string;
  dimensions?: unknown;
  stat?: string;
  period?: number;
} {
  if (!a.Metrics) {
    return {
      namespace: a.Namespace,
      name: a.MetricName,
      dimensions: a.Dimensions,
      stat: a.Statistic ?? a.ExtendedStatistic,
      period: a.Period,
    };
  }
  assert.equal(a.Metrics.length, 1, `${a.AlarmName} has one metric`);
  const stat = a.Metrics[0]?.MetricStat;
  assert.ok(stat, `${a.AlarmName} has a metric, not an expression`);
  return {
    namespace: stat.Metric.Namespace,
    name: stat.Metric.MetricName,
    dimensions: stat.Metric.Dimensions,
    stat: stat.Stat,
    period: stat.Period,
  };
}

/** The dimensions every handler metric of a stack carries: the service and the stack (two stacks never mix). */
const handlerDimensions = (stackName: string, service: string = METRICS_SERVICE) => [
  { Name: METRICS_SERVICE_DIMENSION, Value: service },
  { Name: METRICS_STACK_DIMENSION, Value: stackName },
];

/** The dimensions of an EMF metric by its name: the completeness check's metrics have their own Service. */
const emfDimensions = (stackName: string, metricName: string) =>
  handlerDimensions(stackName, metricName in CHECK_METRICS ? METRICS_CHECK_SERVICE : METRICS_SERVICE);

/** Every handler (EMF) metric the alarms and the dashboard of a template use, with its dimensions. */
/** The dimensions without a LogType dimension of a known type (the same object when there is none). */
function withoutLogType(dimensions: unknown): unknown {
  if (!Array.isArray(dimensions)) return dimensions;
  const rest = dimensions.filter(
    (d: { Name?: string; Value?: unknown }) =>
      !(d.Name === METRICS_LOG_TYPE_DIMENSION && DEFAULTS.logTypes.includes(d.Value as LogTypeId)),
  );
  return rest.length === dimensions.length ? dimensions : rest;
}

function handlerMetricUses(
  template: ReturnType<typeof synth>['template'],
): { where: string; name: string; dimensions: unknown }[] {
  const uses: { where: string; name: string; dimensions: unknown }[] = [];
  for (const a of alarmsOf(template).values()) {
    const metrics = a.Metrics
      ? a.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []))
      : [{ Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions }];
    for (const m of metrics) {
      if (m.Namespace === METRICS_NAMESPACE)
        uses.push({ where: `${a.AlarmName} ${m.MetricName}`, name: String(m.MetricName), dimensions: m.Dimensions });
    }
  }
  const [, dashboard] = onlyResource(template, 'AWS::CloudWatch::Dashboard');
  const body = JSON.parse(
    (dashboard.Properties as { DashboardBody: { 'Fn::Join': [string, unknown[]] } }).DashboardBody['Fn::Join'][1]
      .map((part) => (typeof part === 'string' ? part : '"token"'))
      .join('')
      .replace(/""token""/g, '"token"'),
  ) as { widgets: { properties: { metrics?: unknown[][] } }[] };
  for (const widget of body.widgets) {
    for (const row of widget.properties.metrics ?? []) {
      const [namespace, name, ...rest] = row;
      if (namespace !== METRICS_NAMESPACE) continue;
      const pairs = rest.filter((x) => typeof x === 'string') as string[];
      const dimensions = [];
      for (let i = 0; i + 1 < pairs.length; i += 2) dimensions.push({ Name: pairs[i], Value: pairs[i + 1] });
      uses.push({ where: `dashboard ${String(name)}`, name: String(name), dimensions });
    }
  }
  return uses;
}

function alarmsOf(template: ReturnType<typeof synth>['template']): Map<string, AlarmJson> {
  const alarms = new Map<string, AlarmJson>();
  for (const alarm of Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))) {
    const props = alarm.Properties as unknown as AlarmJson;
    alarms.set(props.AlarmName, props);
  }
  return alarms;
}

describe('monitoring with the default configuration', () => {
  const { stack, template } = synth();
  const alarms = alarmsOf(template);
  const topicId = logicalId(stack.monitoring.topic);
  /** The alarm of this id; for a per-type alarm, of `logType` (ALB access logs unless given). */
  const alarm = (id: AlarmId, logType: LogTypeId = 'alb-access'): AlarmJson => {
    const perType = (LOG_TYPE_ALARM_IDS as readonly string[]).includes(id);
    const found = alarms.get(alarmName(DEFAULTS.stackName, id, perType ? logType : undefined));
    assert.ok(found, `alarm ${id}`);
    return found;
  };
  const ids = {
    queue: logicalId(stack.logSource.queue),
    dlq: logicalId(stack.logSource.deadLetterQueue),
    fn: logicalId(stack.ingest.function),
  };
  const streamOf = (type: LogTypeId) => logicalId(stack.resourcesOf(type).deliveryStream.stream);

  /** Asserts the one metric of a single-metric alarm (flat form, or a Metrics list when the metric has a label). */
  function assertMetric(
    a: AlarmJson,
    expected: { namespace: string; name: string; dimensions: Record<string, unknown>; stat: string; period: number },
  ): void {
    assert.deepEqual(singleMetric(a), {
      namespace: expected.namespace,
      name: expected.name,
      dimensions: Object.entries(expected.dimensions).map(([Name, Value]) => ({ Name, Value })),
      stat: expected.stat,
      period: expected.period,
    });
  }

  /** The metrics of a metric-math alarm, by id. */
  function mathMetrics(a: AlarmJson): { expression: string; metrics: Map<string, MetricStatJson> } {
    const expression = a.Metrics?.find((m) => m.Expression !== undefined);
    assert.ok(expression?.Expression, 'a math expression');
    assert.equal(expression.ReturnData, true);
    const metrics = new Map<string, MetricStatJson>();
    for (const m of a.Metrics ?? []) if (m.MetricStat) metrics.set(m.Id, m.MetricStat);
    return { expression: expression.Expression, metrics };
  }

  const emf = (name: keyof typeof METRICS) => ({
    namespace: METRICS_NAMESPACE,
    name,
    dimensions: { [METRICS_SERVICE_DIMENSION]: METRICS_SERVICE, [METRICS_STACK_DIMENSION]: DEFAULTS.stackName },
  });
  it('has one alarm per stack id (except the opt-in NoData alarm) and one per log-type id and enabled type', () => {
    const expected = [
      ...STACK_ALARM_IDS.filter((id) => id !== 'NoData').map((id) => alarmName(DEFAULTS.stackName, id)),
      ...DEFAULTS.logTypes.flatMap((type) => LOG_TYPE_ALARM_IDS.map((id) => alarmName(DEFAULTS.stackName, id, type))),
    ];
    assert.equal(alarms.size, expected.length);
    assert.deepEqual([...alarms.keys()].sort(), expected.sort());
  });

  it('names the log type in the name and the description of each of its alarms', () => {
    for (const type of DEFAULTS.logTypes) {
      const title = stack.resourcesOf(type).schema.title;
      for (const id of LOG_TYPE_ALARM_IDS) {
        assert.ok(alarm(id, type).AlarmDescription.includes(`(${title})`), `${id} ${type}`);
      }
    }
  });

  it('notifies the topic on ALARM and on OK, with a description saying what to do', () => {
    for (const [name, a] of alarms) {
      assert.deepEqual(a.AlarmActions, [ref(topicId)], name);
      assert.deepEqual(a.OKActions, [ref(topicId)], name);
      assert.match(a.AlarmDescription, /\. Do: /, name);
      assert.ok(a.AlarmDescription.length <= 1024, `${name} description fits CloudWatch's 1024 characters`);
    }
  });

  it('treats missing data as not breaching: no traffic is not a failure (except for a check that stopped running)', () => {
    for (const [name, a] of alarms) {
      const expected = name === `${DEFAULTS.stackName}-CompletenessCheckFailing` ? 'breaching' : 'notBreaching';
      assert.equal(a.TreatMissingData, expected, name);
    }
  });

  it('alarms on the age of the oldest ingest-queue message (backlog)', () => {
    const a = alarm('IngestBacklog');
    assertMetric(a, {
      namespace: 'AWS/SQS',
      name: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } },
      stat: 'Maximum',
      period: 300,
    });
    assert.equal(a.Threshold, DEFAULTS.backlogAgeAlarmSeconds);
    assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
    assert.equal(a.EvaluationPeriods, 1);
  });

  it('alarms on any message in the dead-letter queue', () => {
    const a = alarm('DeadLetters');
    assertMetric(a, {
      namespace: 'AWS/SQS',
      name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } },
      stat: 'Maximum',
      period: 300,
    });
    assert.equal(a.Threshold, 1);
    assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.match(a.AlarmDescription, new RegExp(`failed ${DEFAULTS.maxReceiveCount} times`));
  });

  it('alarms on any ingest-function error and throttle', () => {
    for (const [id, name] of [
      ['IngestErrors', 'Errors'],
      ['IngestThrottles', 'Throttles'],
    ] as const) {
      const a = alarm(id);
      assertMetric(a, {
        namespace: 'AWS/Lambda',
        name,
        dimensions: { FunctionName: ref(ids.fn) },
        stat: 'Sum',
        period: 300,
      });
      assert.equal(a.Threshold, 1);
      assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      assert.equal(a.EvaluationPeriods, 1);
    }
  });

  it('alarms when p99 duration stays above a percentage of the function timeout', () => {
    const a = alarm('IngestDurationNearTimeout');
    assertMetric(a, {
      namespace: 'AWS/Lambda',
      name: 'Duration',
      dimensions: { FunctionName: ref(ids.fn) },
      stat: 'p99',
      period: 300,
    });
    assert.equal(a.Threshold, (DEFAULTS.functionTimeoutSeconds * 1000 * DEFAULTS.durationAlarmPercent) / 100);
    assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
    assert.equal(a.EvaluationPeriods, 3);
  });

  for (const type of DEFAULTS.logTypes) {
    const firehose = (name: string) => ({
      namespace: 'AWS/Firehose',
      name,
      dimensions: { DeliveryStreamName: ref(streamOf(type)) },
    });

    it(`${type}: alarms on any row Firehose failed to write to the Iceberg table`, () => {
      const a = alarm('FirehoseFailedRows', type);
      assertMetric(a, { ...firehose('DeliveryToIceberg.FailedRowCount'), stat: 'Sum', period: 300 });
      assert.equal(a.Threshold, 1);
      assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    });

    it(`${type}: alarms on Firehose throttling in two of three periods`, () => {
      const a = alarm('FirehoseThrottled', type);
      assertMetric(a, { ...firehose('ThrottledRecords'), stat: 'Sum', period: 300 });
      assert.equal(a.Threshold, 1);
      assert.equal(a.EvaluationPeriods, 3);
      assert.equal(a.DatapointsToAlarm, 2);
    });

    it(`${type}: alarms when incoming bytes approach the stream limit (IncomingBytes / 300 vs BytesPerSecondLimit)`, () => {
      const a = alarm('FirehoseNearThroughputLimit', type);
      const { expression, metrics } = mathMetrics(a);
      assert.equal(expression, '100 * (bytes / PERIOD(bytes)) / limit');
      assert.equal(metrics.get('bytes')?.Metric.MetricName, 'IncomingBytes');
      assert.equal(metrics.get('bytes')?.Stat, 'Sum');
      assert.equal(metrics.get('limit')?.Metric.MetricName, 'BytesPerSecondLimit');
      assert.equal(metrics.get('limit')?.Stat, 'Average');
      for (const m of metrics.values()) {
        assert.equal(m.Metric.Namespace, 'AWS/Firehose');
        assert.deepEqual(m.Metric.Dimensions, [{ Name: 'DeliveryStreamName', Value: ref(streamOf(type)) }]);
        assert.equal(m.Period, 300);
      }
      assert.equal(a.Threshold, DEFAULTS.firehoseLimitAlarmPercent);
      assert.equal(a.EvaluationPeriods, 3);
    });

    it(`${type}: alarms on stale data in Firehose (DeliveryToIceberg.DataFreshness)`, () => {
      const a = alarm('DataFreshness', type);
      assertMetric(a, { ...firehose('DeliveryToIceberg.DataFreshness'), stat: 'Maximum', period: 300 });
      assert.equal(a.Threshold, DEFAULTS.dataFreshnessAlarmSeconds);
      assert.equal(a.ComparisonOperator, 'GreaterThanThreshold');
    });

    it("alarms on the reject rate from the handler's EMF metrics, over 30 minutes", () => {
      const a = alarm('RejectRate', type);
      const { expression, metrics } = mathMetrics(a);
      assert.equal(expression, 'IF(lines > 0, 100 * FILL(rejects, 0) / lines, 0)');
      for (const [id, name] of [
        ['lines', 'Lines'],
        ['rejects', 'Rejects'],
      ] as const) {
        const m = metrics.get(id);
        const expected = emf(name);
        assert.equal(m?.Metric.Namespace, expected.namespace);
        assert.equal(m?.Metric.MetricName, expected.name);
        // CloudFormation gets the dimensions sorted by name: LogType first.
        assert.deepEqual(m?.Metric.Dimensions, [
          { Name: METRICS_LOG_TYPE_DIMENSION, Value: type },
          ...handlerDimensions(DEFAULTS.stackName),
        ]);
        assert.equal(m?.Stat, 'Sum');
        assert.equal(m?.Period, 900);
      }
      assert.equal(a.Threshold, DEFAULTS.rejectRateAlarmPercent);
      assert.equal(a.EvaluationPeriods, 2);
    });

    it(`${type}: alarms on extra-field lines (format drift), hourly, pointing at the Athena query`, () => {
      const a = alarm('FormatDrift', type);
      const drift = emf('ExtraFieldLines');
      assertMetric(a, {
        ...drift,
        dimensions: { [METRICS_LOG_TYPE_DIMENSION]: type, ...drift.dimensions },
        stat: 'Sum',
        period: 3600,
      });
      assert.equal(a.Threshold, 1);
      assert.equal(a.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
      const { schema, table } = stack.resourcesOf(type);
      const query = perTableQueryName(new QueryTable(table.databaseName, table.tableName, schema), 'formatDrift');
      assert.ok(a.AlarmDescription.includes(`"${query}"`), a.AlarmDescription);
      assert.ok(a.AlarmDescription.includes(`lambda/schema/${type}.ts`));
    });
  }

  it('scopes every handler metric of the alarms and the dashboard to this stack (Service and Stack dimensions)', () => {
    const uses = handlerMetricUses(template);
    assert.ok(uses.length > 10, 'alarms and dashboard graphs use handler metrics');
    assert.ok(uses.some((u) => u.name in CHECK_METRICS) && uses.some((u) => u.name in METRICS));
    for (const use of uses)
      assert.deepEqual(withoutLogType(use.dimensions), emfDimensions(DEFAULTS.stackName, use.name), use.where);
    assert.ok(
      uses.some((u) => u.dimensions !== withoutLogType(u.dimensions)),
      'some are per log type',
    );
  });

  it('uses only metric names the handler and the completeness check emit', () => {
    let checked = 0;
    for (const use of handlerMetricUses(template)) {
      assert.ok(use.name in METRICS || use.name in CHECK_METRICS, use.where);
      checked++;
    }
    assert.ok(checked >= 20, 'alarms and dashboard graphs use handler and check metrics');
  });

  it('has an SNS topic that requires TLS and lets only CloudWatch alarms of this stack publish', () => {
    const [, policy] = onlyResource(template, 'AWS::SNS::TopicPolicy');
    assert.deepEqual(policy.Properties?.Topics, [ref(topicId)]);
    const statements = statementsOf(policy.Properties?.PolicyDocument);
    const deny = statements.find((s) => s.Effect === 'Deny');
    assert.deepEqual(deny?.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    assert.equal(deny?.Action, 'sns:Publish');
    const allow = statements.find((s) => s.Sid === 'CloudWatchAlarmsPublish');
    assert.deepEqual(allow?.Principal, { Service: 'cloudwatch.amazonaws.com' });
    assert.equal(allow?.Action, 'sns:Publish');
    assert.deepEqual(allow?.Resource, ref(topicId));
    assert.match(json(allow?.Condition), /"aws:SourceAccount":\{"Ref":"AWS::AccountId"\}/);
    assert.match(json(allow?.Condition), new RegExp(`:alarm:${DEFAULTS.stackName}-\\*"`));
  });

  it('has no e-mail subscription when alarmEmail is empty', () => {
    assert.deepEqual(resourcesOfType(template, 'AWS::SNS::Subscription'), {});
  });

  it('has one dashboard listing every alarm', () => {
    const [, dashboard] = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    const body = json(dashboard.Properties?.DashboardBody);
    for (const alarmConstruct of stack.monitoring.alarms.values()) {
      assert.ok(body.includes(json({ 'Fn::GetAtt': [logicalId(alarmConstruct), 'Arn'] })), alarmConstruct.node.id);
    }
    for (const name of ['DeliveryToIceberg.DataFreshness', 'ApproximateAgeOfOldestMessage', 'RecordBytes']) {
      assert.ok(body.includes(name), name);
    }
  });

  it('outputs the dashboard name and URL and the topic ARN', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.deepEqual(outputs.DashboardName?.Value, ref(logicalId(stack.monitoring.dashboard)));
    assert.deepEqual(outputs.AlarmTopicArn?.Value, ref(topicId));
    assert.match(json(outputs.DashboardUrl?.Value), /console\.aws\.amazon\.com\/cloudwatch\/home\?region=/);
    assert.match(json(outputs.DashboardUrl?.Value), /#dashboards\/dashboard\//);
  });
});

describe('monitoring with every setting changed', () => {
  const { app, stack, template, assemblyDir } = synth({
    stackName: 'AlbLogsProd',
    alarmEmail: 'oncall@example.com',
    functionTimeoutSeconds: '600',
    backlogAgeAlarmSeconds: '1800',
    durationAlarmPercent: '90',
    rejectRateAlarmPercent: '0.5',
    dataFreshnessAlarmSeconds: '600',
    firehoseLimitAlarmPercent: '70',
    noDataAlarmMinutes: '120',
    logTypes: 'nlb-access,alb-access',
  });
  const alarms = alarmsOf(template);
  const alarm = (id: AlarmId): AlarmJson => {
    const perType = (LOG_TYPE_ALARM_IDS as readonly string[]).includes(id);
    const found = alarms.get(alarmName('AlbLogsProd', id, perType ? 'nlb-access' : undefined));
    assert.ok(found, `alarm ${id}`);
    return found;
  };

  it('synthesizes without validation or cdk-nag findings', () => {
    assert.deepEqual(validationReport(assemblyDir).pluginReports, []);
    assert.deepEqual(nagFindings(app), []);
  });

  it('subscribes the configured address to the topic', () => {
    const [, subscription] = onlyResource(template, 'AWS::SNS::Subscription');
    assert.deepEqual(subscription.Properties, {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: ref(logicalId(stack.monitoring.topic)),
    });
  });

  it('applies the configured thresholds', () => {
    assert.equal(alarm('IngestBacklog').Threshold, 1800);
    assert.equal(alarm('IngestDurationNearTimeout').Threshold, 540_000);
    assert.equal(alarm('RejectRate').Threshold, 0.5);
    assert.equal(alarm('DataFreshness').Threshold, 600);
    assert.equal(alarm('FirehoseNearThroughputLimit').Threshold, 70);
  });

  it('adds the NoData alarm: no record sent for the configured time, missing data breaching', () => {
    assert.equal(alarms.size, STACK_ALARM_IDS.length + LOG_TYPE_ALARM_IDS.length * 2);
    const a = alarm('NoData');
    assert.deepEqual(singleMetric(a), {
      namespace: METRICS_NAMESPACE,
      name: 'RecordsSent',
      dimensions: handlerDimensions('AlbLogsProd'),
      stat: 'Sum',
      period: 7200,
    });
    assert.equal(a.Threshold, 1);
    assert.equal(a.ComparisonOperator, 'LessThanThreshold');
    assert.equal(a.TreatMissingData, 'breaching');
    assert.deepEqual(a.AlarmActions, [ref(logicalId(stack.monitoring.topic))]);
  });

  it("scopes every handler metric of the alarms and the dashboard to this stack, so other stacks' data never alarms here", () => {
    const uses = handlerMetricUses(template);
    assert.ok(uses.some((u) => u.where.startsWith('AlbLogsProd-NoData')));
    assert.ok(uses.some((u) => u.where.startsWith('dashboard')));
    for (const use of uses)
      assert.deepEqual(withoutLogType(use.dimensions), emfDimensions('AlbLogsProd', use.name), use.where);
  });

  it('names alarms and scopes the publish grant after the stack', () => {
    for (const name of alarms.keys()) assert.match(name, /^AlbLogsProd-/);
    const [, policy] = onlyResource(template, 'AWS::SNS::TopicPolicy');
    assert.match(json(policy.Properties?.PolicyDocument), /:alarm:AlbLogsProd-\*"/);
  });
});
