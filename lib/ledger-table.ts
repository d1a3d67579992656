import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { LEDGER_PARTITION_KEY, LEDGER_SORT_KEY, LEDGER_TTL_ATTRIBUTE } from '../lambda/ledger/schema';

export interface LedgerTableProps {
  /**
   * Refuse DeleteTable (console, CLI, a CloudFormation replacement) until it is turned off on the table.
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The object ledger: one item per source object version, keyed as lambda/ledger/schema.ts says (partition key = the
 * object's folder, sort key = file name and ETag, both strings), written by the ingest function and read by the
 * completeness check.
 *
 * - On-demand billing: the write rate follows log arrival and backfills, which are bursty and unknown in advance.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html
 * - Encrypted with the AWS-managed key `alias/aws/dynamodb`. The stack uses no customer-managed key anywhere (SSE-S3
 *   buckets, SQS-managed queue encryption, a Firehose AWS-owned key): the ledger holds object keys, ETags and line
 *   counts, no log content, so a customer key's monthly fee and key policy buy nothing here; unlike the default
 *   AWS-owned key, the AWS-managed key shows its use in the account's CloudTrail and states the encryption in the
 *   template.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html
 * - Point-in-time recovery (cdk-nag AwsSolutions-DDB3): a bad deploy that rewrites entries can be rolled back.
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/PointInTimeRecovery.html
 * - TTL on `expiresAt` (epoch seconds the handler writes from `ledgerRetentionDays`; entries without it never
 *   expire). https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
 * - Retained when the stack is deleted, like the lake bucket and the Glue table: it is the record of which objects are
 *   in the table, and without it a redeploy would count every object as never ingested. No fixed table name, so a
 *   redeploy after `cdk destroy` creates a new table next to the retained one instead of failing.
 */
export class LedgerTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: LedgerTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: LEDGER_PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: LEDGER_SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
