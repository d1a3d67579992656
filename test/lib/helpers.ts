/**
 * Test helpers: synthesize the stack the way `cdk synth` does (cdk.json context, feature flags and the
 * CloudFormation schema validation they turn on), with configuration overrides as `-c key=value` would give them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { AlbIcebergStack } from '../../lib/alb-iceberg-stack';
import { loadConfig } from '../../lib/config';

export const REPO_ROOT = path.join(__dirname, '..', '..');

/** The `context` block of cdk.json: configuration defaults and feature flags. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export interface Synthesized {
  readonly app: App;
  readonly stack: AlbIcebergStack;
  readonly template: Template;
  /** Directory of the cloud assembly (holds validation-report.json and assets). */
  readonly assemblyDir: string;
}

export interface SynthOptions {
  /** Run esbuild for the ingest function (slower); otherwise bundling is skipped. */
  readonly bundle?: boolean;
}

/**
 * Builds and synthesizes the stack. `overrides` are strings, like `-c key=value` on the command line.
 * Synthesis runs aws-cdk-lib's CloudFormation validation, which throws on any finding because cdk.json sets
 * `@aws-cdk/core:validateAgainstDefaultRules`.
 */
export function synth(overrides: Record<string, string> = {}, options: SynthOptions = {}): Synthesized {
  const context: Record<string, unknown> = { ...CDK_JSON_CONTEXT, ...overrides };
  // An empty list of stacks to bundle makes NodejsFunction skip esbuild (a placeholder asset is used instead).
  if (!options.bundle) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context });
  const config = loadConfig((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  const stack = new AlbIcebergStack(app, config.stackName, {
    config,
    env: config.account || config.region ? { account: config.account, region: config.region } : undefined,
  });
  const assembly = app.synth();
  return { app, stack, template: Template.fromStack(stack), assemblyDir: assembly.directory };
}

/** cdk-nag AwsSolutions findings that are not acknowledged, as "RuleId at construct/path" strings. */
export function nagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}

/**
 * cdk-nag acknowledgements that match no finding: each as "RuleId at construct/path: reason". cdk-nag is run with
 * acknowledgements ignored, and every acknowledgement must name a finding on its construct or below it, or it is
 * stale (and its reason likely wrong).
 */
export function staleAcknowledgements(scope: IConstruct): string[] {
  const checks = new AwsSolutionsChecks();
  // cdk-nag 3 consults a private method for acknowledgements; overriding it yields the unfiltered findings.
  (checks as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  const findings = checks
    .validateScope(scope)
    .violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath })));
  const stale: string[] = [];
  const visit = (node: IConstruct): void => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [qualified, reason] of Object.entries(entry.data as Record<string, string>)) {
        const id = qualified.replace(/^annotation::/i, '');
        const path = node.node.path;
        const matched = findings.some((f) => f.id === id && (f.path === path || f.path?.startsWith(`${path}/`)));
        if (!matched) stale.push(`${id} at ${path}: ${reason}`);
      }
    }
    for (const child of node.node.children) visit(child);
  };
  visit(scope);
  return stale;
}

/** Findings of the validation plugins that ran during synthesis (CloudFormation Validate). */
export function validationReport(assemblyDir: string): { pluginReports: unknown[] } {
  return JSON.parse(fs.readFileSync(path.join(assemblyDir, 'validation-report.json'), 'utf8')) as {
    pluginReports: unknown[];
  };
}

export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Resources of one type, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, CfnResourceJson> {
  return template.findResources(type) as Record<string, CfnResourceJson>;
}

/** The only resource of a type (fails if there is not exactly one). */
export function onlyResource(template: Template, type: string): [string, CfnResourceJson] {
  const entries = Object.entries(resourcesOfType(template, type));
  if (entries.length !== 1) throw new Error(`expected exactly one ${type}, found ${entries.length}`);
  return entries[0] as [string, CfnResourceJson];
}

/** The logical id of a CloudFormation element, or of the default child (L1) of an L2 construct. */
export function logicalId(construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!element || !CfnElement.isCfnElement(element))
    throw new Error(`${construct.node.path} has no CloudFormation element`);
  return Stack.of(element).resolve(element.logicalId) as string;
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/** All statements of the inline policies of a role and of the AWS::IAM::Policy resources attached to it. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const role = resourcesOfType(template, 'AWS::IAM::Role')[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId}`);
  const inline = (
    (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: PolicyStatementJson[] } }[]
  ).flatMap((p) => p.PolicyDocument.Statement);
  const attached = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties?.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((p) => statementsOf(p.Properties?.PolicyDocument));
  return [...inline, ...attached];
}

/** The statements of a policy document (fails if it is not one). */
export function statementsOf(document: unknown): PolicyStatementJson[] {
  const statements = (document as { Statement?: PolicyStatementJson[] } | undefined)?.Statement;
  if (!Array.isArray(statements)) throw new Error(`not a policy document: ${JSON.stringify(document)}`);
  return statements;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
