import type { RemovalPolicy } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEFAULTS } from './config';
import { requireWholeNumber } from './prop-checks';
import { athenaQueries, type DeployedTable } from './queries';

const GIB = 1024 ** 3;

export interface AthenaProps {
  /** Workgroup name (unique in the account and Region). */
  readonly workGroupName: string;
  /** Bucket that receives query results. */
  readonly resultsBucket: IBucket;
  /** Key prefix of the results (a folder with its own expiration rule). */
  readonly resultsPrefix: string;
  /** Glue database of the tables. */
  readonly databaseName: string;
  /** The Iceberg tables the named queries read, one per enabled log type (at least one). */
  readonly tables: readonly DeployedTable[];
  /**
   * A query that would scan more than this many GiB is cancelled.
   * @default DEFAULTS.athenaBytesScannedCutoffGiB
   */
  readonly bytesScannedCutoffGiB?: number;
  /**
   * Removal policy of the workgroup and its named queries (query results stay in the bucket either way).
   * @default - CloudFormation's default (delete)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * An Athena workgroup for the log tables, with the named queries of lib/queries/ saved in it.
 *
 * The workgroup enforces its settings on every query (engine version 3 for Iceberg, results under the lake bucket's
 * results prefix, SSE-S3 like the bucket, a per-query scan limit), so a client cannot send results elsewhere or run
 * an unbounded scan. Athena runs with the caller's permissions: users need Athena, Glue read and S3 access to the table
 * location and the results prefix.
 * https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html
 *
 * CloudFormation cannot create Athena views, so the deduplicating view is a named query to run once.
 */
export class Athena extends Construct {
  readonly workGroup: CfnWorkGroup;
  readonly workGroupName: string;
  /** The named queries by id. */
  readonly namedQueries: ReadonlyMap<string, CfnNamedQuery>;

  constructor(scope: Construct, id: string, props: AthenaProps) {
    super(scope, id);
    const cutoffGiB = props.bytesScannedCutoffGiB ?? DEFAULTS.athenaBytesScannedCutoffGiB;
    if (props.tables.length === 0) throw new Error('Athena: tables must name at least one table');
    requireWholeNumber('Athena', 'bytesScannedCutoffGiB', cutoffGiB, { min: 1, unit: 'GiB' });

    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description:
        `Load balancer logs in ${props.databaseName} (Iceberg: ${props.tables.map((t) => t.tableName).join(', ')}); incident and maintenance queries are saved here.`.slice(
          0,
          1024,
        ),
      state: 'ENABLED',
      // Lets the stack delete the workgroup although it holds query history and named queries.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoffGiB * GIB,
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${props.resultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    if (props.removalPolicy) this.workGroup.applyRemovalPolicy(props.removalPolicy);
    this.workGroupName = this.workGroup.ref;

    const queries = new Map<string, CfnNamedQuery>();
    for (const spec of athenaQueries(props.databaseName, props.tables)) {
      const query = new CfnNamedQuery(this, spec.id, {
        name: spec.name,
        description: spec.description,
        database: props.databaseName,
        queryString: spec.sql,
        // The Ref of the workgroup (its name) also orders creation after the workgroup.
        workGroup: this.workGroup.ref,
      });
      if (props.removalPolicy) query.applyRemovalPolicy(props.removalPolicy);
      queries.set(spec.id, query);
    }
    this.namedQueries = queries;
  }
}
