/**
 * Tables the README shows that are derived from code: generated here, and checked by test/readme.test.ts so the README
 * cannot drift from the schema and the configuration table. Print them with `node --import tsx test/support/readme-tables.ts`.
 */
import type { Command } from '../../bin/cli';
import { ALB_ACCESS } from '../../lambda/schema/alb-access';
import { LOG_SCHEMAS } from '../../lambda/schema/log-types';
import type { LogSchema } from '../../lambda/schema/types';
import { SETTING_ENTRIES, type Setting } from '../../lib/config';

/** The README markers around a log type's column table (ALB access logs keep the original `columns` markers). */
export function columnsMarkers(schema: LogSchema): { readonly start: string; readonly end: string } {
  const name = schema === ALB_ACCESS ? 'columns' : `columns:${schema.id}`;
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

export function columnsTable(schema: LogSchema = ALB_ACCESS): string {
  const fieldOf = new Map<string, string>();
  schema.fields.forEach((f, i) => {
    for (const c of f.columns) fieldOf.set(c.name, `${i + 1} \`${f.field}\``);
  });
  const rows = schema.columns.map(
    (c) =>
      `| ${c.id} | \`${c.name}\` | ${c.type} | ${fieldOf.get(c.name) ?? '(derived)'} | ${c.doc.replace(/\|/g, '\\|')} |`,
  );
  return ['| id | column | Iceberg type | log field | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/** The README markers around the configuration table. */
export const CONFIG_MARKERS = { start: '<!-- config:start -->', end: '<!-- config:end -->' } as const;

/** A README cell: pipes escaped, so text cannot split the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The README's default cell: the value as cdk.json holds it (`""` for empty), or the text of a computed default. */
function defaultCell(setting: Setting<unknown>): string {
  if ('default' in setting) {
    const value = String(setting.default);
    return value === '' ? '`""`' : `\`${value}\``;
  }
  if ('unset' in setting && setting.unset === '') return '`""`';
  return 'defaultDoc' in setting && typeof setting.defaultDoc === 'string' ? setting.defaultDoc : '(unset)';
}

/** The README's configuration table: one row per key of lib/config/settings.ts, in table order. */
export function configTable(entries: typeof SETTING_ENTRIES = SETTING_ENTRIES): string {
  const rows = entries.map(([key, s]) => `| \`${key}\` | ${defaultCell(s)} | ${cell(s.accepts)} | ${cell(s.doc)} |`);
  return ['| key | default | accepts | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * What is wrong with the README's CLI table (between the cli markers) against the commands' option specs: a table
 * broken by a blank or non-row line, a command missing or out of order, an option of a command not named in its row.
 * Deprecated aliases and --help need not be named. Returns the problems, [] when none.
 */
export function cliTableProblems(table: string, commands: Readonly<Record<string, Command>>): string[] {
  const lines = table.split('\n');
  const problems: string[] = [];
  lines.forEach((l, i) => {
    if (!l.startsWith('|') || !l.endsWith('|')) problems.push(`line ${i + 1} of the table is not a table row: '${l}'`);
  });
  const rows = lines.slice(2).filter((l) => l.startsWith('|'));
  const names = rows.map((r) => /^\| `([a-z-]+)/.exec(r)?.[1]);
  if (names.join(' ') !== Object.keys(commands).join(' ')) {
    problems.push(`rows are for ${names.join(', ')}; the commands are ${Object.keys(commands).join(', ')}`);
  }
  for (const [name, command] of Object.entries(commands)) {
    const row = rows.find((r) => r.startsWith(`| \`${name} `) || r.startsWith(`| \`${name}\``));
    if (!row) continue;
    const synopsis = row.split(' | ')[0] ?? '';
    for (const option of Object.keys(command.options)) {
      if (option === 'help' || command.deprecated?.includes(option)) continue;
      if (!new RegExp(`--${option}(?![a-z-])`).test(synopsis)) problems.push(`${name}: --${option} is not in its row`);
    }
  }
  return problems;
}

if (require.main === module) {
  for (const schema of LOG_SCHEMAS) {
    const { start, end } = columnsMarkers(schema);
    process.stdout.write(`${start}\n${columnsTable(schema)}\n${end}\n\n`);
  }
  process.stdout.write(`${CONFIG_MARKERS.start}\n${configTable()}\n${CONFIG_MARKERS.end}\n`);
}
