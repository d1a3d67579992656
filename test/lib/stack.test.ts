/**
 * The stack as most users deploy it: importing the existing ALB log bucket. One synthesis (with esbuild bundling and
 * CloudFormation schema validation) shared by every test in this file.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { deliveryStreamEnv, ENV } from '../../lambda/ingest/env';
import { COLUMNS, PARTITION_COLUMN } from '../../lambda/schema/alb-access';
import { VISIBILITY_TIMEOUT_FACTOR } from '../../lib/alb-iceberg-stack';
import { DEFAULTS } from '../../lib/config';
import { firehoseErrorPrefix } from '../../lib/delivery-stream';
import { ROW_GROUP_SIZE_BYTES, TARGET_FILE_SIZE_BYTES } from '../../lib/table-layout';
import {
  asArray,
  type CfnResourceJson,
  logicalId,
  nagFindings,
  onlyResource,
  type PolicyStatementJson,
  resourcesOfType,
  roleStatements,
  staleAcknowledgements,
  statementsOf,
  synth,
  validationReport,
} from './helpers';

const LOG_BUCKET = 'my-existing-alb-logs';
const { app, stack, template, assemblyDir } = synth(
  { logBucketName: LOG_BUCKET, functionTimeoutSeconds: '240', maxConcurrency: '7', batchSize: '4' },
  { bundle: true },
);
const json = JSON.stringify;
const check = stack.completenessCheck;
assert.ok(check, 'the completeness check is on by default');

const ids = {
  lakeBucket: logicalId(stack.lake.bucket),
  queue: logicalId(stack.logSource.queue),
  dlq: logicalId(stack.logSource.deadLetterQueue),
  table: logicalId(stack.resourcesOf('alb-access').table.table),
  database: logicalId(stack.database.database),
  optimizerRole: logicalId(stack.resourcesOf('alb-access').table.optimizerRole),
  firehoseRole: logicalId(stack.resourcesOf('alb-access').deliveryStream.role),
  stream: logicalId(stack.resourcesOf('alb-access').deliveryStream.stream),
  firehoseLogGroup: logicalId(stack.resourcesOf('alb-access').deliveryStream.logGroup),
  firehoseLogStream: logicalId(stack.resourcesOf('alb-access').deliveryStream.node.findChild('DeliveryLogStream')),
  ingestRole: logicalId(stack.ingest.role),
  ingestFunction: logicalId(stack.ingest.function),
  ingestLogGroup: logicalId(stack.ingest.logGroup),
  ledgerTable: logicalId(stack.ledger.table),
  checkFunction: logicalId(check.function),
  checkRole: logicalId(check.role),
};
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });

/** Statement of a role's policies with this Sid. */
function statement(roleId: string, sid: string): PolicyStatementJson {
  const found = roleStatements(template, roleId).find((s) => s.Sid === sid);
  assert.ok(found, `no statement ${sid} on ${roleId}`);
  return found;
}

describe('synthesis', () => {
  it('has no CloudFormation validation findings (errors or warnings)', () => {
    assert.deepEqual(validationReport(assemblyDir).pluginReports, []);
  });

  it('has no unacknowledged cdk-nag AwsSolutions findings', () => {
    assert.deepEqual(nagFindings(app), []);
  });

  it('acknowledges only cdk-nag findings that exist (no stale acknowledgement with a wrong reason)', () => {
    assert.deepEqual(staleAcknowledgements(app), []);
  });

  it('bundles the ingest handler and the completeness check with the local esbuild, with source maps', () => {
    const bundles = fs
      .readdirSync(assemblyDir)
      .filter((entry) => entry.startsWith('asset.'))
      .map((entry) => path.join(assemblyDir, entry))
      .filter((dir) => fs.existsSync(path.join(dir, 'index.js')));
    assert.equal(bundles.length, 2, 'two bundled function assets (ingest, completeness check)');
    for (const bundle of bundles) {
      assert.ok(fs.existsSync(path.join(bundle, 'index.js.map')), `index.js.map next to ${bundle}/index.js`);
    }
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    for (const id of [ids.ingestFunction, ids.checkFunction]) {
      const fn = functions[id];
      assert.equal(fn?.Properties?.Handler, 'index.handler');
      const code = fn?.Properties?.Code as { S3Key?: string } | undefined;
      const hash = code?.S3Key?.replace(/\.zip$/, '');
      assert.ok(hash && bundles.some((b) => b.endsWith(`asset.${hash}`)), `${id} runs a bundled asset`);
    }
  });
});

/** The resource with this logical id. */
function resource(id: string): CfnResourceJson {
  const found = (template.toJSON().Resources as Record<string, CfnResourceJson>)[id];
  assert.ok(found, id);
  return found;
}

describe('Glue Iceberg table of ALB access logs', () => {
  const table = resource(ids.table);
  const props = table.Properties as {
    TableInput?: unknown;
    OpenTableFormatInput: {
      IcebergInput: {
        MetadataOperation: string;
        Version: string;
        IcebergTableInput: {
          Location: unknown;
          Schema: {
            SchemaId: number;
            Type: string;
            Fields: { Id: number; Name: string; Type: string; Required: boolean; Doc: string }[];
          };
          PartitionSpec: { Fields: { SourceId: number; Transform: string; Name: string; FieldId: number }[] };
          Properties: Record<string, string>;
        };
      };
    };
  };
  const iceberg = props.OpenTableFormatInput.IcebergInput;

  it('uses the update-safe shape: IcebergTableInput only, no TableInput', () => {
    assert.equal(props.TableInput, undefined);
    assert.equal(iceberg.MetadataOperation, 'CREATE');
    assert.equal(iceberg.Version, '2');
  });

  it('has exactly the parser schema: names, Iceberg types and pinned field ids, all optional', () => {
    assert.deepEqual(
      iceberg.IcebergTableInput.Schema.Fields,
      COLUMNS.map((c) => ({ Id: c.id, Name: c.name, Type: c.type, Required: false, Doc: c.doc })),
    );
    assert.equal(iceberg.IcebergTableInput.Schema.SchemaId, 0);
    assert.equal(iceberg.IcebergTableInput.Schema.Type, 'struct');
    const fieldIds = COLUMNS.map((c) => c.id);
    assert.equal(new Set(fieldIds).size, fieldIds.length, 'field ids are unique');
  });

  it('is partitioned by day(time)', () => {
    const time = COLUMNS.find((c) => c.name === PARTITION_COLUMN);
    assert.ok(time);
    assert.deepEqual(iceberg.IcebergTableInput.PartitionSpec.Fields, [
      { SourceId: time.id, Transform: 'day', Name: 'time_day', FieldId: 1000 },
    ]);
  });

  it('lives in a folder of the lake bucket, never the root, and writes zstd Parquet', () => {
    assert.deepEqual(iceberg.IcebergTableInput.Location, {
      'Fn::Join': ['', ['s3://', ref(ids.lakeBucket), `/iceberg/${DEFAULTS.databaseName}/${DEFAULTS.tableName}`]],
    });
    assert.equal(iceberg.IcebergTableInput.Properties['write.format.default'], 'parquet');
    assert.equal(iceberg.IcebergTableInput.Properties['write.parquet.compression-codec'], 'zstd');
  });

  it('retains the database and the table when the stack is deleted', () => {
    template.hasResource('AWS::Glue::Database', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { DatabaseInput: { Name: DEFAULTS.databaseName } },
    });
    template.hasResource('AWS::Glue::Table', { DeletionPolicy: 'Retain', DependsOn: [ids.database] });
  });

  it('has compaction, snapshot-retention and orphan-file-deletion optimizers using the optimizer role', () => {
    const optimizers = Object.values(resourcesOfType(template, 'AWS::Glue::TableOptimizer')).filter(
      (o) => o.Properties?.TableName === DEFAULTS.tableName,
    );
    assert.deepEqual(optimizers.map((o) => o.Properties?.Type).sort(), [
      'compaction',
      'orphan_file_deletion',
      'retention',
    ]);
    for (const optimizer of optimizers) {
      assert.deepEqual(optimizer.Properties?.TableName, DEFAULTS.tableName);
      assert.deepEqual(optimizer.Properties?.DatabaseName, DEFAULTS.databaseName);
      const configuration = optimizer.Properties?.TableOptimizerConfiguration as Record<string, unknown>;
      assert.equal(configuration.Enabled, true);
      assert.deepEqual(configuration.RoleArn, arnOf(ids.optimizerRole));
      assert.ok(optimizer.DependsOn?.includes(ids.table), 'optimizer waits for the table');
    }
    template.hasResourceProperties('AWS::Glue::TableOptimizer', {
      Type: 'retention',
      TableOptimizerConfiguration: {
        RetentionConfiguration: {
          IcebergConfiguration: {
            SnapshotRetentionPeriodInDays: DEFAULTS.snapshotRetentionDays,
            CleanExpiredFiles: true,
          },
        },
      },
    });
    template.hasResourceProperties('AWS::Glue::TableOptimizer', {
      Type: 'orphan_file_deletion',
      TableOptimizerConfiguration: {
        OrphanFileDeletionConfiguration: {
          IcebergConfiguration: { OrphanFileRetentionPeriodInDays: DEFAULTS.orphanFileRetentionDays },
        },
      },
    });
  });

  it('gives the optimizer role, trusted by Glue, access to the table location and the table only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' })],
      },
      Policies: Match.anyValue(),
    });
    const objects = statement(ids.optimizerRole, 'TableObjects');
    assert.deepEqual(asArray(objects.Action).sort(), ['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    assert.deepEqual(objects.Resource, {
      'Fn::Join': ['', [arnOf(ids.lakeBucket), `/iceberg/${DEFAULTS.databaseName}/${DEFAULTS.tableName}/*`]],
    });
    const catalog = statement(ids.optimizerRole, 'Catalog');
    assert.deepEqual(asArray(catalog.Action).sort(), ['glue:GetTable', 'glue:UpdateTable']);
    assert.match(json(catalog.Resource), /:table\/alb_logs\/access_logs"/);
  });
});

describe('Firehose delivery stream of ALB access logs', () => {
  const stream = resource(ids.stream);
  const destination = stream.Properties?.IcebergDestinationConfiguration as Record<string, unknown>;

  it('is Direct PUT, encrypted, append-only into the Glue table', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      IcebergDestinationConfiguration: {
        AppendOnly: true,
        DestinationTableConfigurationList: [
          { DestinationDatabaseName: DEFAULTS.databaseName, DestinationTableName: DEFAULTS.tableName },
        ],
        RoleARN: arnOf(ids.firehoseRole),
      },
    });
    assert.equal(
      json(destination.CatalogConfiguration),
      json({
        CatalogArn: {
          'Fn::Join': [
            '',
            ['arn:', ref('AWS::Partition'), ':glue:', ref('AWS::Region'), ':', ref('AWS::AccountId'), ':catalog'],
          ],
        },
      }),
    );
    assert.ok(stream.DependsOn?.includes(ids.table), 'stream waits for the table');
  });

  it('buffers and retries as configured', () => {
    assert.deepEqual(destination.BufferingHints, {
      IntervalInSeconds: DEFAULTS.bufferingIntervalSeconds,
      SizeInMBs: DEFAULTS.bufferingSizeMiB,
    });
    assert.deepEqual(destination.RetryOptions, { DurationInSeconds: DEFAULTS.retryDurationSeconds });
  });

  it('backs up only failed records, under a dated error prefix with the error type, in the lake bucket', () => {
    assert.equal(destination.s3BackupMode, 'FailedDataOnly');
    const s3 = destination.S3Configuration as Record<string, unknown>;
    assert.deepEqual(s3.BucketARN, arnOf(ids.lakeBucket));
    assert.equal(s3.ErrorOutputPrefix, firehoseErrorPrefix(DEFAULTS.tableName));
    assert.equal(
      s3.ErrorOutputPrefix,
      `firehose-errors/${DEFAULTS.tableName}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`,
    );
  });

  it('logs to an explicit log group and log stream', () => {
    assert.deepEqual(destination.CloudWatchLoggingOptions, {
      Enabled: true,
      LogGroupName: ref(ids.firehoseLogGroup),
      LogStreamName: ref(ids.firehoseLogStream),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: DEFAULTS.logRetentionDays });
  });

  it('has its role policy inline, so the stream never races its permissions', () => {
    const role = resourcesOfType(template, 'AWS::IAM::Role')[ids.firehoseRole];
    assert.ok(Array.isArray(role?.Properties?.Policies) && role.Properties.Policies.length === 1);
    const attached = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((p) =>
      json(p.Properties?.Roles).includes(ids.firehoseRole),
    );
    assert.deepEqual(attached, []);
  });

  it('trusts only Firehose acting for this account', () => {
    const role = resourcesOfType(template, 'AWS::IAM::Role')[ids.firehoseRole];
    assert.deepEqual(statementsOf(role?.Properties?.AssumeRolePolicyDocument), [
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'firehose.amazonaws.com' },
        Condition: { StringEquals: { 'sts:ExternalId': ref('AWS::AccountId') } },
      },
    ]);
  });

  it('scopes Glue permissions to the catalog, the database and the table', () => {
    const glue = statement(ids.firehoseRole, 'GlueTable');
    assert.deepEqual(asArray(glue.Action).sort(), ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable']);
    const resources = asArray(glue.Resource).map((r) => json(r));
    assert.equal(resources.length, 3);
    assert.match(resources[0] ?? '', /:catalog"\]\]\}$/);
    assert.match(resources[1] ?? '', /:database\/alb_logs"\]\]\}$/);
    assert.match(resources[2] ?? '', /:table\/alb_logs\/access_logs"\]\]\}$/);
  });

  it('has the S3 actions Firehose needs on the table location and the error prefix only', () => {
    const bucket = statement(ids.firehoseRole, 'LakeBucket');
    assert.deepEqual(asArray(bucket.Action).sort(), [
      's3:GetBucketLocation',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
    ]);
    assert.deepEqual(bucket.Resource, arnOf(ids.lakeBucket));
    const objects = statement(ids.firehoseRole, 'TableAndErrorObjects');
    assert.deepEqual(asArray(objects.Action).sort(), [
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:PutObject',
    ]);
    assert.deepEqual(
      asArray(objects.Resource)
        .map((r) => json(r))
        .sort(),
      [
        json({ 'Fn::Join': ['', [arnOf(ids.lakeBucket), '/firehose-errors/access_logs/*']] }),
        json({ 'Fn::Join': ['', [arnOf(ids.lakeBucket), '/iceberg/alb_logs/access_logs/*']] }),
      ],
    );
    const logs = statement(ids.firehoseRole, 'DeliveryLogs');
    assert.deepEqual(asArray(logs.Action), ['logs:PutLogEvents']);
    assert.match(json(logs.Resource), new RegExp(`${ids.firehoseLogGroup}.*:log-stream:.*${ids.firehoseLogStream}`));
  });
});

describe('one table and one stream per enabled log type', () => {
  for (const type of DEFAULTS.logTypes) {
    const { schema, table, deliveryStream } = stack.resourcesOf(type);
    const tableName = type === 'alb-access' ? DEFAULTS.tableName : schema.defaultTableName;
    const tableJson = resource(logicalId(table.table)).Properties as {
      DatabaseName: string;
      Name: string;
      OpenTableFormatInput: { IcebergInput: { IcebergTableInput: Record<string, unknown> } };
    };
    const input = tableJson.OpenTableFormatInput.IcebergInput.IcebergTableInput;
    const destination = resource(logicalId(deliveryStream.stream)).Properties
      ?.IcebergDestinationConfiguration as Record<string, unknown>;

    describe(type, () => {
      it(`is the Iceberg table ${tableName} in the one database, with the schema's columns and field ids`, () => {
        assert.equal(tableJson.Name, tableName);
        assert.equal(tableJson.DatabaseName, DEFAULTS.databaseName);
        const fields = (input.Schema as { Fields: { Id: number; Name: string; Type: string }[] }).Fields;
        assert.deepEqual(
          fields.map((f) => [f.Id, f.Name, f.Type]),
          schema.columns.map((c) => [c.id, c.name, c.type]),
        );
        const timeId = schema.columns.find((c) => c.name === schema.partitionColumn)?.id;
        assert.deepEqual(input.PartitionSpec, {
          SpecId: 0,
          Fields: [{ SourceId: timeId, Transform: 'day', Name: 'time_day', FieldId: 1000 }],
        });
        assert.match(json(input.Location), new RegExp(`/iceberg/${DEFAULTS.databaseName}/${tableName}"`));
        template.hasResource('AWS::Glue::Table', { Properties: { Name: tableName }, DeletionPolicy: 'Retain' });
      });

      it('is laid out for time-window queries: written in time order, compacted in that order, small row groups', () => {
        const timeId = schema.columns.find((c) => c.name === 'time')?.id;
        assert.deepEqual(input.WriteOrder, {
          OrderId: 1,
          Fields: [{ SourceId: timeId, Transform: 'identity', Direction: 'asc', NullOrder: 'nulls-last' }],
        });
        const properties = input.Properties as Record<string, string>;
        assert.equal(properties['write.parquet.row-group-size-bytes'], String(ROW_GROUP_SIZE_BYTES));
        assert.equal(properties['write.target-file-size-bytes'], String(TARGET_FILE_SIZE_BYTES));
        const compaction = Object.values(resourcesOfType(template, 'AWS::Glue::TableOptimizer')).find(
          (o) => o.Properties?.TableName === tableName && o.Properties?.Type === 'compaction',
        );
        assert.match(
          json(compaction?.Properties),
          /"CompactionConfiguration":\{"IcebergConfiguration":\{"Strategy":"sort"\}\}/,
        );
      });

      it('has its three table optimizers', () => {
        const optimizers = Object.values(resourcesOfType(template, 'AWS::Glue::TableOptimizer')).filter(
          (o) => o.Properties?.TableName === tableName,
        );
        assert.deepEqual(optimizers.map((o) => o.Properties?.Type).sort(), [
          'compaction',
          'orphan_file_deletion',
          'retention',
        ]);
      });

      it('has its own append-only stream into its table, with its own error folder and role', () => {
        assert.deepEqual(destination.DestinationTableConfigurationList, [
          { DestinationDatabaseName: DEFAULTS.databaseName, DestinationTableName: tableName },
        ]);
        assert.equal(destination.AppendOnly, true);
        const s3 = destination.S3Configuration as Record<string, unknown>;
        assert.equal(s3.ErrorOutputPrefix, firehoseErrorPrefix(tableName));
        const roleId = logicalId(deliveryStream.role);
        const objects = json(statement(roleId, 'TableAndErrorObjects').Resource);
        assert.ok(objects.includes(`/iceberg/${DEFAULTS.databaseName}/${tableName}/*`), objects);
        assert.ok(objects.includes(`/firehose-errors/${tableName}/*`), objects);
        assert.match(
          json(statement(roleId, 'GlueTable').Resource),
          new RegExp(`:table/${DEFAULTS.databaseName}/${tableName}"`),
        );
      });

      it('outputs its table, stream and redrive command', () => {
        const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
        const suffix =
          type === 'alb-access' ? '' : type.replace(/(^|-)([a-z])/g, (_, _d, c: string) => c.toUpperCase());
        assert.equal(outputs[`TableName${suffix}`]?.Value, tableName);
        assert.deepEqual(outputs[`DeliveryStreamName${suffix}`]?.Value, ref(logicalId(deliveryStream.stream)));
        assert.match(
          json(outputs[`RedriveCommand${suffix}`]?.Value),
          new RegExp(`--prefix firehose-errors/${tableName}/ --stream`),
        );
      });
    });
  }

  it('keeps the database and the ALB access resources at the logical ids they had as the only type', () => {
    assert.equal(logicalId(stack.database.database), 'TableDatabaseEF722678');
    assert.equal(ids.table, 'Table4C2D914F');
    assert.equal(ids.stream, 'DeliveryStream58CF96DB');
    assert.equal(Object.keys(resourcesOfType(template, 'AWS::Glue::Database')).length, 1);
  });

  it('creates only the enabled types', () => {
    const { stack: only, template: t } = synth({ logBucketName: LOG_BUCKET, logTypes: 'nlb-access' });
    assert.deepEqual([...only.logTypes.keys()], ['nlb-access']);
    assert.deepEqual(
      Object.values(resourcesOfType(t, 'AWS::Glue::Table')).map((r) => r.Properties?.Name),
      ['nlb_access_logs'],
    );
    assert.equal(Object.keys(resourcesOfType(t, 'AWS::KinesisFirehose::DeliveryStream')).length, 1);
    assert.throws(() => only.resourcesOf('alb-access'), /not enabled/);
    const outputs = t.toJSON().Outputs as Record<string, unknown>;
    assert.equal(outputs.FirstAthenaQuery, undefined);
  });
});

describe('queues', () => {
  const queues = resourcesOfType(template, 'AWS::SQS::Queue');
  const queue = queues[ids.queue]?.Properties ?? {};
  const dlq = queues[ids.dlq]?.Properties ?? {};

  it('use SQS-managed encryption, never the AWS-managed KMS key S3 cannot use', () => {
    for (const q of [queue, dlq]) {
      assert.equal(q.SqsManagedSseEnabled, true);
      assert.equal(q.KmsMasterKeyId, undefined);
    }
  });

  it('deny requests without TLS', () => {
    for (const id of [ids.queue, ids.dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(id)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Resource: arnOf(id),
            },
          ]),
        },
      });
    }
  });

  it('dead-letter a message after maxReceiveCount receives; the DLQ keeps messages 14 days', () => {
    assert.deepEqual(queue.RedrivePolicy, {
      deadLetterTargetArn: arnOf(ids.dlq),
      maxReceiveCount: DEFAULTS.maxReceiveCount,
    });
    assert.equal(dlq.MessageRetentionPeriod, 14 * 86_400);
  });

  it('keep messages long enough to survive a weekend outage', () => {
    assert.ok((queue.MessageRetentionPeriod as number) >= 4 * 86_400);
  });

  it('have a visibility timeout of 6 x the function timeout', () => {
    const fn = resourcesOfType(template, 'AWS::Lambda::Function')[ids.ingestFunction]?.Properties ?? {};
    assert.equal(fn.Timeout, 240);
    assert.equal(queue.VisibilityTimeout, VISIBILITY_TIMEOUT_FACTOR * 240);
  });

  it('accept S3 notifications from the log bucket of this account only (aws:SourceArn and aws:SourceAccount)', () => {
    const policy = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).find(
      (p) => json(p.Properties?.Queues) === json([ref(ids.queue)]),
    );
    const statements = statementsOf(policy?.Properties?.PolicyDocument);
    const fromS3 = statements.filter((st) => st.Effect === 'Allow');
    assert.equal(fromS3.length, 1);
    assert.deepEqual(fromS3[0]?.Principal, { Service: 's3.amazonaws.com' });
    assert.ok(asArray(fromS3[0]?.Action ?? []).includes('sqs:SendMessage'));
    assert.equal(
      json(fromS3[0]?.Condition),
      json({
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:s3:::${LOG_BUCKET}`]] } },
        StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
      }),
    );
  });
});

describe('imported log bucket', () => {
  it('keeps notifications configured outside the stack (Managed: false), one rule per suffix: .log.gz, and .log for Classic', () => {
    const rule = (suffix: string) => ({
      Events: ['s3:ObjectCreated:*'],
      Filter: {
        Key: {
          FilterRules: [
            { Name: 'suffix', Value: suffix },
            { Name: 'prefix', Value: 'AWSLogs/' },
          ],
        },
      },
      QueueArn: arnOf(ids.queue),
    });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: LOG_BUCKET,
      Managed: false,
      NotificationConfiguration: { QueueConfigurations: [rule('.log.gz'), rule('.log')] },
    });
  });

  it('has no .log rule when Classic logs are not enabled (S3 would otherwise notify for files nobody ingests)', () => {
    const { template: t } = synth({ logBucketName: LOG_BUCKET, logTypes: 'alb-access,nlb-access' });
    const [, notifications] = onlyResource(t, 'Custom::S3BucketNotifications');
    const suffixes = json(notifications.Properties).match(/"Name":"suffix","Value":"[^"]+"/g);
    assert.deepEqual(suffixes, ['"Name":"suffix","Value":".log.gz"']);
  });

  it('is not created: the only bucket is the lake', () => {
    assert.deepEqual(Object.keys(resourcesOfType(template, 'AWS::S3::Bucket')), [ids.lakeBucket]);
  });
});

describe('lake bucket', () => {
  it('is encrypted, private, retained, and expires errors, rejects and Athena results', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Prefix: 'firehose-errors/', ExpirationInDays: DEFAULTS.errorRetentionDays }),
            Match.objectLike({ Prefix: 'rejects/', ExpirationInDays: DEFAULTS.rejectRetentionDays }),
            Match.objectLike({ Prefix: 'athena-results/', ExpirationInDays: DEFAULTS.athenaResultsRetentionDays }),
          ]),
        },
      },
    });
  });

  it('denies requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(ids.lakeBucket),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('ingest function', () => {
  const fn = resourcesOfType(template, 'AWS::Lambda::Function')[ids.ingestFunction]?.Properties ?? {};

  it('runs on arm64 with a current Node.js runtime, the configured memory and a log group with retention', () => {
    assert.deepEqual(fn.Architectures, ['arm64']);
    assert.match(fn.Runtime as string, /^nodejs(2[2-9]|[3-9]\d)\.x$/);
    assert.equal(fn.MemorySize, DEFAULTS.functionMemoryMiB);
    assert.deepEqual(fn.LoggingConfig, { LogGroup: ref(ids.ingestLogGroup) });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: DEFAULTS.logRetentionDays },
      DeletionPolicy: 'Delete',
    });
  });

  it('gets exactly the environment of the handler contract, plus source maps', () => {
    assert.deepEqual(fn.Environment, {
      Variables: {
        NODE_OPTIONS: '--enable-source-maps',
        [ENV.ingestQueueUrl]: ref(ids.queue),
        [ENV.rejectsBucket]: ref(ids.lakeBucket),
        [ENV.rejectsPrefix]: 'rejects/',
        ...Object.fromEntries(
          DEFAULTS.logTypes.map((type) => [
            deliveryStreamEnv(type),
            ref(logicalId(stack.resourcesOf(type).deliveryStream.stream)),
          ]),
        ),
        [ENV.stackName]: DEFAULTS.stackName,
        [ENV.ledgerTableName]: ref(ids.ledgerTable),
        [ENV.ledgerRetentionDays]: String(DEFAULTS.ledgerRetentionDays),
      },
    });
  });

  it('consumes the queue with partial batch responses, batching and a concurrency cap from the configuration', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: arnOf(ids.queue),
      FunctionName: ref(ids.ingestFunction),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 4,
      MaximumBatchingWindowInSeconds: DEFAULTS.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: 7 },
    });
  });

  it('may only put records to the streams of the enabled log types, in one statement', () => {
    const put = statement(ids.ingestRole, 'PutRecords');
    assert.deepEqual(asArray(put.Action), ['firehose:PutRecordBatch']);
    assert.deepEqual(
      asArray(put.Resource)
        .map((r) => json(r))
        .sort(),
      DEFAULTS.logTypes.map((type) => json(arnOf(logicalId(stack.resourcesOf(type).deliveryStream.stream)))).sort(),
    );
    const firehoseActions = roleStatements(template, ids.ingestRole).flatMap((s) =>
      asArray(s.Action).filter((a) => a.startsWith('firehose:')),
    );
    assert.deepEqual(firehoseActions, ['firehose:PutRecordBatch']);
  });

  it('may read the ALB log prefix of the log bucket, write the rejects prefix, and send to its own queue', () => {
    const read = statement(ids.ingestRole, 'ReadLogObjects');
    assert.deepEqual(read.Action, 's3:GetObject');
    assert.deepEqual(read.Resource, {
      'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:s3:::${LOG_BUCKET}/AWSLogs/*`]],
    });
    const write = statement(ids.ingestRole, 'WriteRejects');
    // Multipart uploads (rejects objects above 5 MiB) need s3:AbortMultipartUpload to clean up a failed upload.
    assert.deepEqual(asArray(write.Action).sort(), ['s3:AbortMultipartUpload', 's3:PutObject']);
    assert.deepEqual(write.Resource, { 'Fn::Join': ['', [arnOf(ids.lakeBucket), '/rejects/*']] });
    const send = statement(ids.ingestRole, 'SendContinuations');
    assert.deepEqual(send.Action, 'sqs:SendMessage');
    assert.deepEqual(send.Resource, arnOf(ids.queue));
  });

  it('may list the log bucket under the ALB log prefix only, so S3 answers 404 (not 403) for a deleted object', () => {
    const list = statement(ids.ingestRole, 'ListLogPrefix');
    assert.deepEqual(list.Action, 's3:ListBucket');
    assert.deepEqual(list.Resource, { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), `:s3:::${LOG_BUCKET}`]] });
    assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': 'AWSLogs/*' } });
  });

  it('writes only to its own log group (no AWS managed policy)', () => {
    const role = resourcesOfType(template, 'AWS::IAM::Role')[ids.ingestRole];
    assert.equal(role?.Properties?.ManagedPolicyArns, undefined);
    const logs = statement(ids.ingestRole, 'OwnLogGroup');
    assert.deepEqual(logs.Resource, arnOf(ids.ingestLogGroup));
  });
});

describe('least privilege', () => {
  const ownRoles = () => [ids.ingestRole, ids.firehoseRole, ids.optimizerRole, ids.checkRole];

  it("grants no wildcard actions to the stack's roles", () => {
    for (const roleId of ownRoles()) {
      for (const s of roleStatements(template, roleId)) {
        for (const action of asArray(s.Action)) assert.ok(!action.includes('*'), `${roleId}: ${action}`);
      }
    }
  });

  it('grants nothing on Resource "*" to the stack\'s roles', () => {
    for (const roleId of ownRoles()) {
      for (const s of roleStatements(template, roleId)) {
        assert.ok(!asArray(s.Resource).includes('*'), `${roleId}: ${json(s)}`);
      }
    }
  });
});

describe('outputs', () => {
  it('name the buckets, queues, stream, table, workgroup, dashboard, alarm topic and a first Athena query', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const key of [
      'LogBucketName',
      'LakeBucketName',
      'IngestQueueUrl',
      'DeadLetterQueueUrl',
      'DeadLetterQueueArn',
      'DeliveryStreamName',
      'DatabaseName',
      'TableName',
      'FirstAthenaQuery',
      'FirehoseErrorsLocation',
      'RejectsLocation',
      'AthenaResultsLocation',
      'AthenaWorkGroup',
      'DashboardName',
      'DashboardUrl',
      'AlarmTopicArn',
      'LedgerTableName',
      'LedgerFolderQuery',
    ]) {
      assert.ok(outputs[key], key);
    }
    assert.equal(outputs.LogBucketName?.Value, LOG_BUCKET);
    assert.deepEqual(outputs.DeadLetterQueueArn?.Value, arnOf(ids.dlq), 'the DLQ redrive needs its ARN');
    assert.equal(outputs.EnableAlbAccessLogs, undefined, 'no ALB instructions for an imported bucket');
    assert.match(outputs.FirstAthenaQuery?.Value as string, /FROM "alb_logs"\."access_logs" WHERE "time" > /);
  });

  it('is named after the stackName setting', () => {
    assert.equal(stack.stackName, DEFAULTS.stackName);
  });
});
