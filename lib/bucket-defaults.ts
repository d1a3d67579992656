/**
 * Secure defaults shared by every bucket the stack creates, in one place: SSE-S3 encryption, all public access
 * blocked, ACLs disabled (bucket owner enforced), TLS-only access, and retained when the stack is deleted (users keep
 * their data).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  BucketEncryption,
  type BucketProps,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';

export const SECURE_BUCKET_DEFAULTS = {
  encryption: BucketEncryption.S3_MANAGED,
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies BucketProps;

/** Server access logging into `logsBucket` under `prefix`, or none when there is no logs bucket. */
export function serverAccessLogging(
  logsBucket: IBucket | undefined,
  prefix: string,
): Pick<BucketProps, 'serverAccessLogsBucket' | 'serverAccessLogsPrefix'> {
  return logsBucket ? { serverAccessLogsBucket: logsBucket, serverAccessLogsPrefix: prefix } : {};
}
