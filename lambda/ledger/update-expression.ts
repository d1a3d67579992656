/**
 * Builds DynamoDB update and condition expressions with a placeholder for every attribute name, so that no name
 * ever collides with DynamoDB's reserved words (`state`, `owner`, `key`, `size`, `bucket`, ... are all reserved:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ReservedWords.html). Pure.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

export class UpdateExpression {
  private readonly names: Record<string, string> = {};
  private readonly values: Item = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private valueCount = 0;

  /** `#name` for an attribute name. */
  name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** `:vN` for a value. */
  value(v: AttributeValue): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = v;
    return placeholder;
  }

  set(fields: Item): this {
    for (const [attribute, v] of Object.entries(fields)) this.sets.push(`${this.name(attribute)} = ${this.value(v)}`);
    return this;
  }

  /** SET the attribute only when it does not exist yet. */
  setIfAbsent(attribute: string, v: AttributeValue): this {
    const n = this.name(attribute);
    this.sets.push(`${n} = if_not_exists(${n}, ${this.value(v)})`);
    return this;
  }

  /** SET attribute = attribute + 1 (from 0). */
  increment(attribute: string): this {
    const n = this.name(attribute);
    this.sets.push(`${n} = if_not_exists(${n}, ${this.value({ N: '0' })}) + ${this.value({ N: '1' })}`);
    return this;
  }

  remove(...attributes: string[]): this {
    for (const a of attributes) this.removes.push(this.name(a));
    return this;
  }

  /** The request fields, with `condition` (built with {@link name} and {@link value}) as ConditionExpression. */
  build(condition?: string): {
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Item;
  } {
    const parts = [];
    if (this.sets.length > 0) parts.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length > 0) parts.push(`REMOVE ${this.removes.join(', ')}`);
    return {
      UpdateExpression: parts.join(' '),
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeNames: this.names,
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}
