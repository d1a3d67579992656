import { Aws, type CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import { CfnDatabase } from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';

export interface LogDatabaseProps {
  /** Glue database name, lower_snake_case (lib/config/settings.ts validates `databaseName`). */
  readonly databaseName: string;
  /**
   * CloudFormation logical id to keep for the database resource.
   * @default - the id CDK derives from the construct path
   */
  readonly logicalId?: string;
}

/**
 * The Glue database that holds one Iceberg table per log type. Retained when the stack is deleted: it describes data
 * users keep.
 */
export class LogDatabase extends Construct {
  readonly databaseName: string;
  readonly database: CfnDatabase;

  constructor(scope: Construct, id: string, props: LogDatabaseProps) {
    super(scope, id);
    if (!/^[a-z_][a-z0-9_]{0,254}$/.test(props.databaseName)) {
      throw new Error(`LogDatabase: databaseName must be lower_snake_case; got "${props.databaseName}"`);
    }
    this.databaseName = props.databaseName;
    this.database = new CfnDatabase(this, 'Resource', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: props.databaseName,
        description: 'AWS load balancer logs as Apache Iceberg tables, one per log type (alb-iceberg).',
      },
    });
    this.database.applyRemovalPolicy(RemovalPolicy.RETAIN);
    if (props.logicalId) this.database.overrideLogicalId(props.logicalId);
  }

  /** Orders a resource after the database (a table must not be created before it). */
  orderAfter(resource: CfnResource): void {
    resource.addResourceDependency(this.database);
  }
}
