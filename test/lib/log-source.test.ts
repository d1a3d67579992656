/**
 * The second log-bucket mode: the stack creates the bucket ALBs deliver to. (Importing an existing bucket is covered
 * in stack.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import {
  asArray,
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

const json = JSON.stringify;
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Statements of the log bucket's policy. */
function logBucketPolicy(template: ReturnType<typeof synth>['template'], bucketId: string): PolicyStatementJson[] {
  const policy = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy')).find(
    (p) => json(p.Properties?.Bucket) === json(ref(bucketId)),
  );
  assert.ok(policy, 'log bucket has a policy');
  return statementsOf(policy.Properties?.PolicyDocument);
}

describe('created log bucket (default configuration, environment-agnostic)', () => {
  const { app, stack, template, assemblyDir } = synth();
  const bucketId = logicalId(stack.logSource.bucket);

  it('synthesizes without validation or cdk-nag findings, and acknowledges only findings that exist', () => {
    assert.deepEqual(validationReport(assemblyDir).pluginReports, []);
    assert.deepEqual(nagFindings(app), []);
    assert.deepEqual(staleAcknowledgements(app), []);
  });

  it('is SSE-S3 encrypted (the only encryption ALB log delivery supports), private and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
    });
    assert.equal(stack.logSource.createdBucket, true);
    assert.equal(Object.keys(resourcesOfType(template, 'AWS::S3::Bucket')).length, 2, 'log bucket and lake bucket');
  });

  it('lets the ELB log-delivery service write to AWSLogs/<account>/ only, over TLS only', () => {
    const statements = logBucketPolicy(template, bucketId);
    const allow = statements.filter((s) => s.Effect === 'Allow' && s.Sid === 'AllowElbLogDelivery');
    assert.equal(allow.length, 1);
    assert.deepEqual(allow[0]?.Principal, { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' });
    assert.equal(allow[0]?.Action, 's3:PutObject');
    assert.deepEqual(allow[0]?.Resource, {
      'Fn::Join': ['', [arnOf(bucketId), '/AWSLogs/', ref('AWS::AccountId'), '/*']],
    });
    assert.ok(
      statements.some(
        (s) => s.Effect === 'Deny' && json(s.Condition) === json({ Bool: { 'aws:SecureTransport': 'false' } }),
      ),
    );
  });

  it('lets the log delivery service write NLB access logs, for this account only, with bucket-owner-full-control', () => {
    const statements = logBucketPolicy(template, bucketId);
    const acl = statements.find((s) => s.Sid === 'AllowNlbLogDeliveryAclCheck');
    const write = statements.find((s) => s.Sid === 'AllowNlbLogDelivery' + 'Write');
    for (const s of [acl, write]) {
      assert.deepEqual(s?.Principal, { Service: 'delivery.logs.amazonaws.com' });
      assert.match(json(s?.Condition), /"aws:SourceAccount":\{"Ref":"AWS::AccountId"\}/);
      assert.match(json(s?.Condition), /:logs:/);
    }
    assert.equal(acl?.Action, 's3:GetBucketAcl');
    assert.deepEqual(acl?.Resource, arnOf(bucketId));
    assert.equal(write?.Action, 's3:PutObject');
    assert.match(json(write?.Condition), /"s3:x-amz-acl":"bucket-owner-full-control"/);
    assert.deepEqual(write?.Resource, {
      'Fn::Join': ['', [arnOf(bucketId), '/AWSLogs/', ref('AWS::AccountId'), '/*']],
    });
  });

  it('notifies the queue of new log objects (bucket owned by the stack: Managed), .log.gz and .log', () => {
    const rule = (suffix: string) =>
      Match.objectLike({
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'suffix', Value: suffix },
              { Name: 'prefix', Value: 'AWSLogs/' },
            ],
          },
        },
      });
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: ref(bucketId),
      Managed: true,
      NotificationConfiguration: { QueueConfigurations: [rule('.log.gz'), rule('.log')] },
    });
  });

  it('outputs the commands that point ALBs, NLBs and Classic Load Balancers at it', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const alb = json(outputs.EnableAlbAccessLogs?.Value);
    for (const kind of ['access_logs', 'connection_logs', 'health_check_logs']) {
      assert.ok(alb.includes(`Key=${kind}.s3.enabled,Value=true`), kind);
    }
    assert.match(json(outputs.EnableNlbAccessLogs?.Value), /--load-balancer-arn <NLB_ARN>/);
    assert.match(
      json(outputs.EnableClbAccessLogs?.Value),
      /aws elb modify-load-balancer-attributes --load-balancer-name <CLB_NAME>/,
    );
    assert.match(json(outputs.EnableClbAccessLogs?.Value), /EmitInterval/);
  });

  it('outputs the bucket and the command that points an ALB at it', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.deepEqual(outputs.LogBucketName?.Value, ref(bucketId));
    const command = json(outputs.EnableAlbAccessLogs?.Value);
    assert.match(command, /aws elbv2 modify-load-balancer-attributes/);
    assert.match(command, /Key=access_logs\.s3\.enabled,Value=true Key=access_logs\.s3\.bucket,Value=/);
    assert.doesNotMatch(command, /access_logs\.s3\.prefix/);
    // The command has a placeholder for the load balancer; the description says so.
    assert.match(command, /--load-balancer-arn <ALB_ARN>/);
    const description = (template.toJSON().Outputs as Record<string, { Description: string }>).EnableAlbAccessLogs;
    assert.match(description?.Description ?? '', /in place of <ALB_ARN>/);
  });

  it('lets the ingest function read the log prefix of the created bucket', () => {
    const read = roleStatements(template, logicalId(stack.ingest.role)).find((s) => s.Sid === 'ReadLogObjects');
    assert.deepEqual(read?.Resource, { 'Fn::Join': ['', [arnOf(bucketId), '/AWSLogs/*']] });
  });

  it('keeps raw logs forever by default', () => {
    const rules = json(resourcesOfType(template, 'AWS::S3::Bucket')[bucketId]?.Properties?.LifecycleConfiguration);
    assert.doesNotMatch(rules, /ExpirationInDays/);
  });
});

describe('created log bucket with an ALB prefix, a region, server access logs, raw-log expiry, retained logs', () => {
  const { app, stack, template, assemblyDir } = synth({
    removalPolicy: 'retain',
    logPrefix: 'prod-alb',
    region: 'eu-west-1',
    account: '123456789012',
    serverAccessLogs: 'true',
    rawLogRetentionDays: '90',
  });
  const bucketId = logicalId(stack.logSource.bucket);

  it('synthesizes without validation or cdk-nag findings, and acknowledges only findings that exist', () => {
    assert.deepEqual(validationReport(assemblyDir).pluginReports, []);
    assert.deepEqual(nagFindings(app), []);
    assert.deepEqual(staleAcknowledgements(app), []);
  });

  it('watches and grants <prefix>/AWSLogs/', () => {
    assert.equal(stack.logSource.objectsPrefix, 'prod-alb/AWSLogs/');
    const [, notifications] = onlyResource(template, 'Custom::S3BucketNotifications');
    const configuration = notifications.Properties?.NotificationConfiguration as { QueueConfigurations: unknown[] };
    const rules = configuration.QueueConfigurations;
    assert.equal(rules.length, 2);
    for (const rule of rules) assert.match(json(rule), /\{"Name":"prefix","Value":"prod-alb\/AWSLogs\/"\}/);
    const allow = logBucketPolicy(template, bucketId).find((s) => s.Sid === 'AllowElbLogDelivery');
    assert.deepEqual(allow?.Resource, {
      'Fn::Join': ['', [arnOf(bucketId), '/prod-alb/AWSLogs/', ref('AWS::AccountId'), '/*']],
    });
    const list = roleStatements(template, logicalId(stack.ingest.role)).find((s) => s.Sid === 'ListLogPrefix');
    assert.deepEqual(list?.Resource, arnOf(bucketId));
    assert.deepEqual(list?.Condition, { StringLike: { 's3:prefix': 'prod-alb/AWSLogs/*' } });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.match(json(outputs.EnableAlbAccessLogs?.Value), /Key=access_logs\.s3\.prefix,Value=prod-alb/);
  });

  it('also allows the regional ELB account of a Region older than August 2022', () => {
    const allow = logBucketPolicy(template, bucketId).find((s) => s.Sid === 'AllowElbLogDelivery');
    const principal = (allow?.Principal ?? {}) as { AWS?: unknown; Service?: unknown };
    const principals = asArray(principal.AWS ?? []);
    assert.equal(principals.length, 1, 'one legacy ELB account principal');
    assert.match(json(principals[0]), /156460612806/); // eu-west-1's ELB account (aws-cdk-lib region-info)
    assert.equal(principal.Service, 'logdelivery.elasticloadbalancing.amazonaws.com');
  });

  it('sends S3 server access logs of the log and lake buckets to an access-log bucket', () => {
    const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
    assert.equal(Object.keys(buckets).length, 3);
    for (const id of [bucketId, logicalId(stack.lake.bucket)]) {
      assert.ok(buckets[id]?.Properties?.LoggingConfiguration, `${id} logs its access`);
    }
  });

  it('retains queues and log groups with removalPolicy=retain', () => {
    for (const type of ['AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(resourcesOfType(template, type));
      assert.ok(resources.length >= 2, type);
      for (const r of resources) assert.equal(r.DeletionPolicy, 'Retain', type);
    }
  });

  it('expires raw logs after rawLogRetentionDays', () => {
    const rules = json(resourcesOfType(template, 'AWS::S3::Bucket')[bucketId]?.Properties?.LifecycleConfiguration);
    assert.match(rules, /"ExpirationInDays":90/);
  });
});

describe('cdk-nag check', () => {
  it('is live: a bare bucket produces findings', () => {
    const app = new App();
    const stack = new Stack(app, 'Control');
    new Bucket(stack, 'Bare');
    app.synth();
    const findings = nagFindings(app);
    assert.ok(
      findings.some((f) => f.startsWith('AwsSolutions-S1 ')),
      findings.join('\n'),
    );
    assert.ok(
      findings.some((f) => f.startsWith('AwsSolutions-S10 ')),
      findings.join('\n'),
    );
  });
});
