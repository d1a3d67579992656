/**
 * A Lambda function of this project as every one is deployed: bundled from its TypeScript entry with the local
 * esbuild (no Docker engine needed: `forceDockerBundling: false`), Node.js 24 on arm64, its own log group, and its
 * own role allowed to write only that log group (instead of the AWSLambdaBasicExecutionRole managed policy, logs:* on
 * *). Children are created in the caller's scope under the ids `LogGroup`, `Role` and `Function`, so existing
 * resources keep their logical ids.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda_nodejs-readme.html#local-bundling
 */
import * as path from 'node:path';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

const REPO_ROOT = path.join(__dirname, '..');

export interface BundledFunctionProps {
  /** The handler module, relative to the repository root (e.g. `lambda/ingest/handler.ts`); it exports `handler`. */
  readonly entry: string;
  /** The function's description (also the role's, prefixed). */
  readonly description: string;
  /** What the role is for, shown on the role. */
  readonly roleDescription: string;
  /** Function memory in MiB. */
  readonly memoryMiB: number;
  /** Function timeout. */
  readonly timeout: Duration;
  /** Retention of the function's log group. */
  readonly logRetention: RetentionDays;
  /** Removal policy of the log group. */
  readonly removalPolicy: RemovalPolicy;
  /** Environment variables set at creation (more can be added to the function later). */
  readonly environment: Record<string, string>;
  /**
   * Further function properties (concurrency, async retries, ...).
   * @default - none
   */
  readonly extra?: Partial<NodejsFunctionProps>;
}

export interface BundledFunction {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
}

export function bundledFunction(scope: Construct, props: BundledFunctionProps): BundledFunction {
  const logGroup = new LogGroup(scope, 'LogGroup', {
    retention: props.logRetention,
    removalPolicy: props.removalPolicy,
  });
  const role = new Role(scope, 'Role', {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  role.addToPolicy(
    new PolicyStatement({
      sid: 'OwnLogGroup',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new NodejsFunction(scope, 'Function', {
    entry: path.join(REPO_ROOT, props.entry),
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: props.memoryMiB,
    timeout: props.timeout,
    role,
    logGroup,
    description: props.description,
    environment: props.environment,
    bundling: {
      forceDockerBundling: false,
      format: OutputFormat.CJS,
      target: 'node24',
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      externalModules: [],
    },
    ...props.extra,
  });
  return { function: fn, role, logGroup };
}
