import { ArnFormat, Aws, type CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnTable, CfnTableOptimizer } from 'aws-cdk-lib/aws-glue';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Column, LogSchema } from '../lambda/schema/types';
import { LAKE_PREFIXES } from './lake-bucket';
import type { LogDatabase } from './log-database';
import { acknowledge, wildcardResource } from './nag';
import { requireWholeNumber } from './prop-checks';
import { COMPACTION_STRATEGY, layoutProperties } from './table-layout';

export interface IcebergTableProps {
  /** Bucket holding the table (under `iceberg/<database>/<table>/`). */
  readonly bucket: IBucket;
  /** The Glue database of the table. */
  readonly database: LogDatabase;
  /** The log type whose records the table holds: its columns, field ids and partition source. */
  readonly schema: LogSchema;
  /**
   * Glue table name, lower_snake_case.
   * @default - the schema's `defaultTableName`
   */
  readonly tableName?: string;
  /** Snapshots younger than this many days are kept by the retention optimizer (at least 1). */
  readonly snapshotRetentionDays: number;
  /** Unreferenced files older than this many days are deleted by the orphan-file optimizer (at least 1). */
  readonly orphanFileRetentionDays: number;
}

/** Iceberg partition field ids start at 1000 (Iceberg spec, "Partition Specs"). */
const FIRST_PARTITION_FIELD_ID = 1000;

/**
 * The Iceberg v2 table of one log type, with its maintenance (table optimizers).
 *
 * The table uses `OpenTableFormatInput.IcebergInput.IcebergTableInput` only, with no `TableInput`: the widely copied
 * shape that also sets `TableInput` creates fine but a later stack update strips `table_type=ICEBERG` and Athena then
 * fails with HIVE_UNSUPPORTED_FORMAT (cloudformation-coverage-roadmap #1919, #2495; aws-cdk #37560).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-glue-table-icebergtableinput.html
 *
 * The table is retained when the stack is deleted: it describes data users keep.
 */
export class IcebergTable extends Construct {
  readonly schema: LogSchema;
  readonly databaseName: string;
  readonly tableName: string;
  /** `s3://bucket/iceberg/<db>/<table>` */
  readonly location: string;
  /** Key prefix of the table's objects, `iceberg/<db>/<table>/`. */
  readonly keyPrefix: string;
  readonly catalogArn: string;
  readonly databaseArn: string;
  readonly tableArn: string;
  readonly table: CfnTable;
  readonly optimizerRole: Role;

  constructor(scope: Construct, id: string, props: IcebergTableProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { schema } = props;
    const tableName = props.tableName ?? schema.defaultTableName;
    checkProps(tableName, props);
    const databaseName = props.database.databaseName;
    this.schema = schema;
    this.databaseName = databaseName;
    this.tableName = tableName;
    this.keyPrefix = `${LAKE_PREFIXES.tables}${databaseName}/${tableName}/`;
    this.location = `s3://${props.bucket.bucketName}/${this.keyPrefix.replace(/\/$/, '')}`;
    this.catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog', arnFormat: ArnFormat.NO_RESOURCE_NAME });
    this.databaseArn = stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName });
    this.tableArn = stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${databaseName}/${tableName}`,
    });

    this.table = new CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName,
      name: tableName,
      openTableFormatInput: {
        icebergInput: {
          metadataOperation: 'CREATE',
          version: '2',
          icebergTableInput: {
            location: this.location,
            schema: icebergSchema(schema.columns),
            partitionSpec: dayPartitionSpec(schema.columns, schema.partitionColumn),
            writeOrder: timeWriteOrder(schema.columns, schema.partitionColumn),
            properties: {
              ...layoutProperties(),
              'write.format.default': 'parquet',
              'write.parquet.compression-codec': 'zstd',
              // Streaming commits write a new metadata.json every buffer interval; keep only recent ones.
              // https://iceberg.apache.org/docs/latest/maintenance/#remove-old-metadata-files
              'write.metadata.delete-after-commit.enabled': 'true',
              'write.metadata.previous-versions-max': '100',
            },
          },
        },
      },
    });
    props.database.orderAfter(this.table);
    this.table.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.optimizerRole = this.createOptimizerRole(props.bucket);
    this.addOptimizers(props);
  }

  /**
   * Role the Glue table optimizers assume: S3 read/write/delete on the table location only, the table in the catalog,
   * and the optimizers' fixed CloudWatch log groups.
   * https://docs.aws.amazon.com/glue/latest/dg/optimization-prerequisites.html
   */
  private createOptimizerRole(bucket: IBucket): Role {
    const tableObjects = bucket.arnForObjects(`${this.keyPrefix}*`);
    const optimizerLogGroups = ['iceberg-compaction', 'iceberg-retention', 'iceberg-orphan-file-deletion'].map((name) =>
      Stack.of(this).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `/aws-glue/${name}/logs:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const role = new Role(this, 'OptimizerRole', {
      assumedBy: new ServicePrincipal('glue.amazonaws.com'),
      description: `Glue table optimizers (compaction, snapshot retention, orphan file deletion) of ${this.databaseName}.${this.tableName}`,
      // Inline, so the optimizers cannot be created before their permissions exist.
      inlinePolicies: {
        TableMaintenance: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'TableObjects',
              actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
              resources: [tableObjects],
            }),
            new PolicyStatement({ sid: 'ListBucket', actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
            new PolicyStatement({
              sid: 'Catalog',
              actions: ['glue:GetTable', 'glue:UpdateTable'],
              resources: [this.catalogArn, this.databaseArn, this.tableArn],
            }),
            new PolicyStatement({
              sid: 'OptimizerLogs',
              actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: optimizerLogGroups,
            }),
          ],
        }),
      },
    });
    acknowledge(
      role,
      wildcardResource(role, tableObjects),
      'Optimizers rewrite and delete data and metadata files anywhere under the table location; scoped to that prefix.',
    );
    for (const arn of optimizerLogGroups) {
      acknowledge(
        role,
        wildcardResource(role, arn),
        'Glue writes optimizer runs to this fixed, service-defined log group; ":*" covers its log streams only.',
      );
    }
    return role;
  }

  /**
   * One AWS::Glue::TableOptimizer per type. Streaming writes create many small files, so compaction matters most.
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-glue-tableoptimizer.html
   */
  private addOptimizers(props: IcebergTableProps): void {
    const common = { catalogId: Aws.ACCOUNT_ID, databaseName: this.databaseName, tableName: this.tableName };
    const optimizers = [
      new CfnTableOptimizer(this, 'Compaction', {
        ...common,
        type: 'compaction',
        tableOptimizerConfiguration: {
          enabled: true,
          roleArn: this.optimizerRole.roleArn,
          // In the write order (lib/table-layout.ts): binpack would undo it.
          compactionConfiguration: { icebergConfiguration: { strategy: COMPACTION_STRATEGY } },
        },
      }),
      new CfnTableOptimizer(this, 'SnapshotRetention', {
        ...common,
        type: 'retention',
        tableOptimizerConfiguration: {
          enabled: true,
          roleArn: this.optimizerRole.roleArn,
          retentionConfiguration: {
            icebergConfiguration: {
              snapshotRetentionPeriodInDays: props.snapshotRetentionDays,
              numberOfSnapshotsToRetain: 1,
              cleanExpiredFiles: true,
            },
          },
        },
      }),
      new CfnTableOptimizer(this, 'OrphanFileDeletion', {
        ...common,
        type: 'orphan_file_deletion',
        tableOptimizerConfiguration: {
          enabled: true,
          roleArn: this.optimizerRole.roleArn,
          orphanFileDeletionConfiguration: {
            icebergConfiguration: {
              orphanFileRetentionPeriodInDays: props.orphanFileRetentionDays,
              location: this.location,
            },
          },
        },
      }),
    ];
    for (const optimizer of optimizers) {
      optimizer.addResourceDependency(this.table);
      optimizer.addResourceDependency(this.optimizerRole.node.defaultChild as CfnResource);
    }
  }
}

/** Refuses props CloudFormation would only refuse at deploy time, or that would break the table's contract. */
function checkProps(tableName: string, props: IcebergTableProps): void {
  if (!/^[a-z_][a-z0-9_]{0,254}$/.test(tableName)) {
    throw new Error(`IcebergTable: tableName must be lower_snake_case (Firehose and Athena); got "${tableName}"`);
  }
  for (const key of ['snapshotRetentionDays', 'orphanFileRetentionDays'] as const) {
    requireWholeNumber('IcebergTable', key, props[key], { min: 1, unit: 'days' });
  }
}

/** The Iceberg schema of the table: every column optional, ids pinned by the schema module. */
export function icebergSchema(columns: readonly Column[]): CfnTable.IcebergSchemaProperty {
  return {
    schemaId: 0,
    type: 'struct',
    fields: columns.map((c) => ({ id: c.id, name: c.name, type: c.type, required: false, doc: c.doc })),
  };
}

/**
 * The write order: ascending on the partition's source column, so compaction keeps each row group to a short time
 * range. Sort order id 0 is reserved for "unsorted" (Iceberg spec, "Sort Orders").
 * https://iceberg.apache.org/spec/#sort-orders
 */
export function timeWriteOrder(columns: readonly Column[], columnName: string): CfnTable.IcebergSortOrderProperty {
  const source = columns.find((c) => c.name === columnName);
  if (!source) throw new Error(`sort column "${columnName}" is not in the schema`);
  return {
    orderId: 1,
    fields: [{ sourceId: source.id, transform: 'identity', direction: 'asc', nullOrder: 'nulls-last' }],
  };
}

/** `day(<column>)` partitioning: Athena prunes partitions when a query filters on the column itself. */
export function dayPartitionSpec(
  columns: readonly Column[],
  columnName: string,
): CfnTable.IcebergPartitionSpecProperty {
  const source = columns.find((c) => c.name === columnName);
  if (!source) throw new Error(`partition column "${columnName}" is not in the schema`);
  if (source.type !== 'timestamp') throw new Error(`partition column "${columnName}" must be a timestamp`);
  return {
    specId: 0,
    fields: [{ sourceId: source.id, transform: 'day', name: `${columnName}_day`, fieldId: FIRST_PARTITION_FIELD_ID }],
  };
}
