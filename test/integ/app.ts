/**
 * CDK app used by the deployed-account integration test (deployed.integ.ts): the production stack, configured from
 * cdk.json plus `-c` overrides exactly like bin/app.ts, with one test hook. With INTEG_TABLE_UPDATE set, a harmless
 * table property is added so that CloudFormation *updates* the AWS::Glue::Table resource: the test then proves the
 * update-safe table shape keeps the table readable by Athena (the failure mode is HIVE_UNSUPPORTED_FORMAT).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlbIcebergStack } from '../../lib/alb-iceberg-stack';
import { loadConfig } from '../../lib/config';

const app = new App();
const config = loadConfig((key) => app.node.tryGetContext(key));
const stack = new AlbIcebergStack(app, config.stackName, {
  config,
  env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
});
const update = process.env.INTEG_TABLE_UPDATE;
if (update) {
  stack
    .resourcesOf('alb-access')
    .table.table.addPropertyOverride(
      'OpenTableFormatInput.IcebergInput.IcebergTableInput.Properties.integ-update',
      update,
    );
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
