/**
 * Helpers to acknowledge cdk-nag findings with a reason, in cdk-nag v3's format.
 *
 * cdk-nag v3 reads acknowledgements recorded with `Validations.of(construct).acknowledge()`. Granular rules (IAM4,
 * IAM5) report one finding per offending action or resource, named `RuleId[Resource::<flattened ARN>]`, and each must
 * be acknowledged by that exact name. {@link wildcardResource} computes the name the same way cdk-nag does, so an
 * acknowledgement follows a logical-id change instead of silently going stale.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges one cdk-nag finding on a construct (and everything below it). */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The IAM5 finding id for a wildcard resource ARN (which may contain tokens). */
export function wildcardResource(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(arn))}]`;
}

/** Renders a resolved CloudFormation value like cdk-nag's flattenCfnReference: `<LogicalId.Attr>`, `<AWS::Region>`. */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    const join = o['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if ('Fn::Sub' in o) return flatten(o['Fn::Sub']);
    const getAtt = o['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
    if ('Fn::ImportValue' in o) return flatten(o['Fn::ImportValue']);
    if ('Ref' in o) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
