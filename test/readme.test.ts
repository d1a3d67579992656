/** The README states facts derived from code; these tests keep them true. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMMANDS } from '../bin/cli';
import { LOG_SCHEMAS } from '../lambda/schema/log-types';
import { CONFIG_KEYS, DEFAULTS, SETTING_ENTRIES } from '../lib/config';
import { synth } from './lib/helpers';
import { captureIo } from './support/cli-io';
import { CONFIG_MARKERS, cliTableProblems, columnsMarkers, columnsTable, configTable } from './support/readme-tables';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function between(start: string, end: string): string {
  const from = README.indexOf(start);
  const to = README.indexOf(end);
  assert.ok(from !== -1 && to > from, `README has ${start} … ${end}`);
  return README.slice(from + start.length, to).trim();
}

describe('README', () => {
  it('shows the column table generated from the schema (regenerate: node --import tsx test/support/readme-tables.ts)', () => {
    for (const schema of LOG_SCHEMAS) {
      const { start, end } = columnsMarkers(schema);
      assert.equal(between(start, end), columnsTable(schema), schema.id);
    }
  });

  it('shows the configuration table generated from lib/config/settings.ts (regenerate: node --import tsx test/support/readme-tables.ts)', () => {
    assert.equal(between(CONFIG_MARKERS.start, CONFIG_MARKERS.end), configTable());
  });

  it("states each key's range once, in the accepts column derived from its kind, not again in its meaning", () => {
    for (const [key, setting] of SETTING_ENTRIES) {
      assert.doesNotMatch(setting.doc, /\d[\d,]*\s*[–-]\s*\d/, `${key}: the range belongs in the accepts column`);
    }
  });

  it('documents every configuration key with the default cdk.json and lib/config use', () => {
    const rows = between(CONFIG_MARKERS.start, CONFIG_MARKERS.end).split('\n').slice(2);
    const documented = new Map<string, string | undefined>();
    for (const row of rows) {
      const [keysCell = '', defaultsCell = ''] = row.split('|').slice(1, 3);
      const keys = [...keysCell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const defaults = [...defaultsCell.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
      keys.forEach((k, i) => {
        documented.set(k, defaults.length === keys.length ? defaults[i] : undefined);
      });
    }
    const cdkContext = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
    for (const key of CONFIG_KEYS) {
      assert.ok(documented.has(key), `README documents config key ${key}`);
      if (!(key in DEFAULTS)) continue;
      const value = DEFAULTS[key as keyof typeof DEFAULTS];
      assert.equal(documented.get(key), value === '' ? '""' : String(value), `README default of ${key}`);
      assert.deepEqual(cdkContext[key], value, `cdk.json default of ${key}`);
    }
  });

  it('shows one unbroken CLI table naming every option of every command (from the option specs in bin/)', () => {
    assert.deepEqual(cliTableProblems(between('<!-- cli:start -->', '<!-- cli:end -->'), COMMANDS), []);
  });

  it("documents every option in each command's --help, with an example", async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const c = captureIo();
      assert.equal(await command.run(['--help'], c.io), 0);
      for (const option of Object.keys(command.options)) {
        if (command.deprecated?.includes(option)) continue;
        assert.match(c.out(), new RegExp(`--${option}(?![a-z-])`), `${name} --help names --${option}`);
      }
      assert.match(c.out(), /\nExamples?:\n {2}alb-iceberg /, `${name} --help has an example`);
    }
  });

  it('shows the test command and a first command whose sample file exists', () => {
    assert.match(README, /npm ci && npm test/);
    const sample = /npx alb-iceberg parse (samples\/\S+)/.exec(README)?.[1];
    assert.ok(sample && existsSync(join(ROOT, sample)), `bundled sample ${sample} exists`);
  });

  it('names only real stack outputs in the deploy step and the runbook (placeholders such as <LakeBucketName>)', () => {
    // The created-bucket stack has every output (EnableAlbAccessLogs exists only when the stack creates the bucket).
    const outputs = Object.keys(synth().template.toJSON().Outputs as Record<string, unknown>);
    const runbook = between('## Operations runbook', '## Performance');
    const placeholders = [...runbook.matchAll(/<([^<>]*[A-Z][^<>]*)>/g)].map((m) => m[1]!);
    // <Id> is an alarm id (`<stackName>-<Id>`), <stackName> a configuration key: neither is an output.
    const notOutputs = new Set(['Id', ...CONFIG_KEYS]);
    const named = placeholders.filter((p) => !notOutputs.has(p));
    assert.ok(named.length >= 5, `runbook placeholders: ${named.join(', ')}`);
    for (const name of named) assert.ok(outputs.includes(name), `runbook placeholder <${name}> is a stack output`);
    for (const [, name] of runbook.matchAll(/`([A-Z][A-Za-z]+(?:Arn|Url|Name))`/g)) {
      assert.ok(outputs.includes(name!), `runbook output \`${name}\` exists`);
    }
    assert.match(runbook, /aws sqs start-message-move-task --source-arn <DeadLetterQueueArn>/);
    const deploy = between('## Deploy', '## Configuration');
    assert.ok(outputs.includes('EnableAlbAccessLogs'));
    assert.match(deploy, /EnableAlbAccessLogs/);
    assert.doesNotMatch(deploy, /exact command/, 'the output has an <ALB_ARN> placeholder to replace');
  });

  it('has no unfinished sections', () => {
    assert.doesNotMatch(README, /PLACEHOLDER/);
  });
});
