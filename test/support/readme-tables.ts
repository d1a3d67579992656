/**
 * Tables the README shows that are derived from code: generated here, and checked by test/readme.test.ts so the README
 * cannot drift from the schema. Print them with `node --import tsx test/support/readme-tables.ts`.
 */
import { COLUMNS, LOG_FIELDS } from '../../lambda/schema/columns';

export function columnsTable(): string {
  const fieldOf = new Map<string, string>();
  LOG_FIELDS.forEach((f, i) => {
    for (const c of f.columns) fieldOf.set(c.name, `${i + 1} \`${f.field}\``);
  });
  const rows = COLUMNS.map(
    (c) =>
      `| ${c.id} | \`${c.name}\` | ${c.type} | ${fieldOf.get(c.name) ?? '(derived)'} | ${c.doc.replace(/\|/g, '\\|')} |`,
  );
  return ['| id | column | Iceberg type | log field | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

if (require.main === module) process.stdout.write(`${columnsTable()}\n`);
