#!/usr/bin/env node
/**
 * The CDK app: reads the configuration, instantiates the stack, attaches cdk-nag (AwsSolutions). No logic here.
 * Run by the CDK CLI through cdk.json ("app": "npx tsx bin/app.ts").
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlbIcebergStack } from '../lib/alb-iceberg-stack';
import { type AlbIcebergConfig, ConfigError, loadConfig } from '../lib/config';

const app = new App();
const config = configOrExit(app);

new AlbIcebergStack(app, config.stackName, {
  config,
  description: 'ALB access logs to an Apache Iceberg table (S3 -> SQS -> Lambda -> Firehose -> Glue/Athena)',
  env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
});
Tags.of(app).add('app', 'alb-iceberg');

// Findings fail synthesis; each accepted one is acknowledged, with its reason, next to the construct it concerns.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

/** A configuration error is the user's to fix: print it without a stack trace and stop. */
function configOrExit(scope: App): AlbIcebergConfig {
  try {
    return loadConfig((key) => scope.node.tryGetContext(key), Object.keys(scope.node.getAllContext()));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
