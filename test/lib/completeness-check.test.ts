/**
 * The CompletenessCheck construct's `logTypes` prop: the check's LOG_TYPES variable is set to exactly the types the
 * deployment ingests (and left unset for every type, the handler's default), and an unusable list fails synth.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { readCheckConfig } from '../../lambda/check/config';
import { CHECK_ENV } from '../../lambda/check/env';
import { LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';
import { CompletenessCheck } from '../../lib/completeness-check';

/** The check's environment variables in a stack of its own (bundling skipped). */
function checkEnvironment(logTypes?: readonly LogTypeId[]): Record<string, unknown> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Check');
  new CompletenessCheck(stack, 'Check', {
    logBucket: new Bucket(stack, 'Logs'),
    logPrefix: '',
    objectsPrefix: 'AWSLogs/',
    ledgerTable: new Table(stack, 'Ledger', { partitionKey: { name: 'pk', type: AttributeType.STRING } }),
    ingestQueue: new Queue(stack, 'Queue'),
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    ...(logTypes ? { logTypes } : {}),
  });
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const [fn] = Object.values(functions) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
  return fn!.Properties.Environment.Variables;
}

describe('CompletenessCheck logTypes', () => {
  it('passes the ingested types as LOG_TYPES, which the handler reads back as the same selection', () => {
    const env = checkEnvironment(['clb-access', 'alb-access']);
    assert.equal(env[CHECK_ENV.logTypes], 'alb-access,clb-access');
    const config = readCheckConfig({
      LOG_BUCKET: 'b',
      LEDGER_TABLE_NAME: 't',
      STACK_NAME: 's',
      LOG_TYPES: 'alb-access,clb-access',
    });
    assert.deepEqual(config.logTypes, ['alb-access', 'clb-access']);
  });

  it('leaves LOG_TYPES unset by default and for every type (the handler then checks every type)', () => {
    assert.equal(CHECK_ENV.logTypes in checkEnvironment(), false);
    assert.equal(CHECK_ENV.logTypes in checkEnvironment(LOG_TYPE_IDS), false);
  });

  it('fails synth for an empty list or an unknown type, naming the valid ones', () => {
    assert.throws(() => checkEnvironment([]), /logTypes must name at least one of alb-access, alb-connection/);
    assert.throws(() => checkEnvironment(['alb-access', 'gwlb' as LogTypeId]), /unknown: gwlb/);
  });
});
