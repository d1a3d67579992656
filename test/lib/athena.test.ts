/**
 * Athena: the workgroup settings and the named queries (the SQL itself is checked for table, time filter and column
 * names; running it needs an AWS account).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALB_ACCESS, COLUMNS, PARTITION_COLUMN } from '../../lambda/schema/alb-access';
import { LOG_SCHEMAS, logSchemaOf } from '../../lambda/schema/log-types';
import { DEFAULTS } from '../../lib/config';
import { athenaQueries, dedupViewName, type NamedQuerySpec, QUERY_NAMES } from '../../lib/queries';
import { logicalId, onlyResource, resourcesOfType, synth } from './helpers';

const ref = (id: string) => ({ Ref: id });
const GIB = 1024 ** 3;

/**
 * Words of a query that are not SQL keywords, functions, aliases or the database/table/view names: they must be
 * columns of the table.
 */
/** The partition-pruning window every incident query starts its WHERE with: the last hours or days, or a trace's. */
const TIME_WINDOW =
  /\nWHERE "time" >= (localtimestamp - INTERVAL '\d+' (HOUR|DAY)|trace\.started - INTERVAL '1' MINUTE)\n/;

const SQL_WORDS = new Set(
  [
    'select distinct from where and or not is null as group by order desc having limit',
    'interval hour day minute localtimestamp current_date cast timestamp create replace view over partition',
    'optimize rewrite data using bin_pack vacuum',
    'count count_if sum max min array_sort array_agg date_trunc approx_percentile arbitrary strpos row_number',
    'substr like join on with cross varchar from_unixtime from_base',
    'trace root started', // the trace lookup's CTE and its columns
  ]
    .join(' ')
    .split(' '),
);

function columnWords(spec: NamedQuerySpec, names: string[]): string[] {
  const sql = spec.sql.replace(/'[^']*'/g, "''"); // string literals are not identifiers
  const aliases = [...sql.matchAll(/\bAS\s+"?([a-z_][a-z0-9_]*)"?/gi)].map((m) => m[1]?.toLowerCase());
  const words = [...sql.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]);
  return words.filter((w) => !SQL_WORDS.has(w.toLowerCase()) && !aliases.includes(w) && !names.includes(w));
}

describe('Athena with the default configuration', () => {
  const { stack, template } = synth();
  const [workGroupId, workGroup] = onlyResource(template, 'AWS::Athena::WorkGroup');
  const queries = Object.values(resourcesOfType(template, 'AWS::Athena::NamedQuery')).map(
    (q) =>
      q.Properties as { Name: string; Description: string; Database: string; QueryString: string; WorkGroup: unknown },
  );

  it('has a workgroup named after the stack, on engine version 3, enforcing its settings', () => {
    assert.equal(workGroup.Properties?.Name, DEFAULTS.stackName);
    assert.equal(workGroup.Properties?.State, 'ENABLED');
    assert.equal(workGroup.Properties?.RecursiveDeleteOption, true);
    const configuration = workGroup.Properties?.WorkGroupConfiguration as Record<string, unknown>;
    assert.deepEqual(configuration.EngineVersion, { SelectedEngineVersion: 'Athena engine version 3' });
    assert.equal(configuration.EnforceWorkGroupConfiguration, true);
    assert.equal(configuration.PublishCloudWatchMetricsEnabled, true);
  });

  it('writes results SSE-S3-encrypted under the athena-results/ prefix of the lake bucket', () => {
    const configuration = workGroup.Properties?.WorkGroupConfiguration as Record<string, unknown>;
    assert.deepEqual(configuration.ResultConfiguration, {
      OutputLocation: { 'Fn::Join': ['', ['s3://', ref(logicalId(stack.lake.bucket)), '/athena-results/']] },
      EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
    });
  });

  it('cancels queries that scan more than the configured GiB', () => {
    const configuration = workGroup.Properties?.WorkGroupConfiguration as Record<string, unknown>;
    assert.equal(configuration.BytesScannedCutoffPerQuery, DEFAULTS.athenaBytesScannedCutoffGiB * GIB);
  });

  it('is deleted with the stack under the default removal policy', () => {
    template.hasResource('AWS::Athena::WorkGroup', { DeletionPolicy: 'Delete' });
  });

  const defaultTables = DEFAULTS.logTypes.map((id) => {
    const schema = logSchemaOf(id);
    return { schema, tableName: id === 'alb-access' ? DEFAULTS.tableName : schema.defaultTableName };
  });

  it('saves every named query of every enabled table in the workgroup, on the configured database', () => {
    const specs = athenaQueries(DEFAULTS.databaseName, defaultTables);
    assert.equal(queries.length, specs.length);
    assert.deepEqual(queries.map((q) => q.Name).sort(), specs.map((s) => s.name).sort());
    for (const name of Object.values(QUERY_NAMES))
      assert.ok(
        specs.some((s) => s.name === name),
        name,
      );
    assert.equal(new Set(specs.map((s) => s.name)).size, specs.length, 'console names are unique');
    for (const q of queries) {
      assert.deepEqual(q.WorkGroup, ref(workGroupId), q.Name);
      assert.equal(q.Database, DEFAULTS.databaseName, q.Name);
      assert.ok(q.Name.length <= 128, `${q.Name}: name fits 128 characters`);
      assert.ok(q.Description.length <= 1024, `${q.Name}: description fits 1024 characters`);
    }
  });

  it('saves exactly the SQL of lib/queries/', () => {
    const specs = athenaQueries(DEFAULTS.databaseName, defaultTables);
    for (const spec of specs) {
      const saved = queries.find((q) => q.Name === spec.name);
      assert.equal(saved?.QueryString, spec.sql, spec.name);
      assert.equal(saved?.Description, spec.description, spec.name);
    }
  });

  it('outputs the workgroup name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    assert.deepEqual(outputs.AthenaWorkGroup?.Value, ref(workGroupId));
  });
});

describe('named queries of the ALB access table', () => {
  const database = 'edge_logs';
  const table = 'alb_prod';
  const specs = athenaQueries(database, [{ schema: ALB_ACCESS, tableName: table }]);
  const byKind = (kind: NamedQuerySpec['kind']) => specs.filter((s) => s.kind === kind);
  const time = `"${PARTITION_COLUMN}"`;

  it('cover what on-call needs, the dedup view and maintenance', () => {
    assert.deepEqual(
      specs.map((s) => s.id),
      [
        'errorsByTarget',
        'latencyByTargetGroup',
        'topClients',
        'byTraceId',
        'formatDrift',
        'duplicates',
        'createDedupView',
        'optimize',
        'vacuum',
      ],
    );
    assert.equal(new Set(specs.map((s) => s.name)).size, specs.length, 'names are unique');
  });

  it('read the configured table, quoted', () => {
    for (const spec of [...byKind('incident'), ...byKind('view')]) {
      assert.ok(spec.sql.includes(`FROM "${database}"."${table}"`), spec.name);
    }
  });

  it('filter on "time" so Iceberg prunes partitions', () => {
    for (const spec of byKind('incident')) {
      assert.match(spec.sql, TIME_WINDOW, spec.name);
    }
  });

  it('save only statements Athena documents as accepted: OPTIMIZE without a WHERE on "time", a hidden-partition source', () => {
    // OPTIMIZE allows only partition columns in WHERE; the table's only partition is the hidden day("time"), and
    // how Athena treats its source column there is undocumented (optimize-statement.html).
    assert.equal(
      specs.find((s) => s.id === 'optimize')?.sql,
      `OPTIMIZE ${database}.${table} REWRITE DATA USING BIN_PACK`,
    );
    for (const spec of byKind('maintenance')) assert.doesNotMatch(spec.sql, /\bWHERE\b/i, spec.name);
  });

  it('always quote the column "time" (a reserved word) with double quotes', () => {
    for (const spec of specs) {
      const unquoted = spec.sql.replaceAll(time, '').match(/\btime\b/gi);
      assert.equal(unquoted, null, `${spec.name}: ${spec.sql}`);
    }
  });

  it('name only columns of the table', () => {
    const known = new Set(COLUMNS.map((c) => c.name));
    for (const spec of specs) {
      const words = columnWords(spec, [database, table, dedupViewName(table)]);
      assert.deepEqual(
        words.filter((w) => !known.has(w)),
        [],
        spec.name,
      );
      if (spec.kind !== 'maintenance') assert.ok(words.length >= 3, `${spec.name} names columns`);
    }
    const typo = { ...specs[0], sql: 'SELECT elb_status FROM t' } as NamedQuerySpec;
    assert.deepEqual(columnWords(typo, ['t']), ['elb_status'], 'the check catches a misspelt column');
  });

  it('group 5xx by target in 5-minute buckets', () => {
    const sql = specs.find((s) => s.id === 'errorsByTarget')?.sql ?? '';
    assert.ok(sql.includes(`date_trunc('hour', ${time}) + INTERVAL '5' MINUTE * (minute(${time}) / 5) AS bucket`));
    assert.ok(sql.includes('AND elb_status_code >= 500'));
    assert.ok(sql.includes('target_group_arn,\n  target_ip,\n  target_port,'));
  });

  it('compute latency percentiles with approx_percentile per target group', () => {
    const sql = specs.find((s) => s.id === 'latencyByTargetGroup')?.sql ?? '';
    for (const p of ['0.5', '0.9', '0.99']) assert.ok(sql.includes(`approx_percentile(target_processing_time, ${p})`));
    assert.ok(sql.includes('GROUP BY target_group_arn'));
    assert.ok(sql.includes('target_processing_time >= 0'), 'leaves out requests that never reached a target');
  });

  it("take the trace's Root id as one execution parameter and read only the minutes around its start", () => {
    const sql = specs.find((s) => s.id === 'byTraceId')?.sql ?? '';
    assert.equal(sql.split('?').length, 2, 'one parameter');
    assert.ok(sql.includes('FROM (SELECT CAST(? AS varchar) AS root)'));
    assert.ok(
      sql.includes('from_unixtime(from_base(substr(root, 3, 8), 16)) AS started'),
      'the hex seconds of the Root id',
    );
    assert.ok(sql.includes("AND request_creation_time >= trace.started - INTERVAL '1' MINUTE"));
    assert.ok(sql.includes("AND request_creation_time < trace.started + INTERVAL '5' MINUTE"));
    assert.ok(sql.includes('AND strpos(trace_id, trace.root) > 0'));
  });

  it('create a view that keeps each line once by its identity, with "time" in the window partition', () => {
    const sql = specs.find((s) => s.id === 'createDedupView')?.sql ?? '';
    assert.ok(sql.startsWith(`CREATE OR REPLACE VIEW "${database}"."${table}_dedup" AS\n`));
    assert.deepEqual(ALB_ACCESS.lineIdentity, ['account_id', 'region', 'elb', 'source_file', 'line_number']);
    assert.ok(
      sql.includes(`row_number() OVER (PARTITION BY account_id, region, elb, source_file, line_number, ${time})`),
    );
    assert.ok(sql.includes('WHERE copy_number = 1\n  OR source_file IS NULL\n  OR line_number IS NULL'));
    const selected = sql.slice(sql.indexOf('SELECT'), sql.indexOf('FROM ('));
    assert.deepEqual(
      [...selected.matchAll(/"([a-z_0-9]+)"/g)].map((m) => m[1]),
      COLUMNS.map((c) => c.name),
      'the view has exactly the table columns, not copy_number',
    );
  });

  it('maintain the table with OPTIMIZE ... BIN_PACK and VACUUM, in the syntax of their reference pages', () => {
    assert.ok(
      specs
        .find((s) => s.id === 'optimize')
        ?.sql.startsWith(`OPTIMIZE ${database}.${table} REWRITE DATA USING BIN_PACK`),
    );
    assert.equal(specs.find((s) => s.id === 'vacuum')?.sql, `VACUUM ${database}.${table}`);
    assert.equal(
      athenaQueries('db', [{ schema: ALB_ACCESS, tableName: '_t' }]).find((s) => s.id === 'vacuum')?.sql,
      'VACUUM db.`_t`',
    );
  });
});

describe('named queries of every log type', () => {
  const database = 'lb_logs';
  for (const schema of LOG_SCHEMAS) {
    const table = schema.defaultTableName;
    const specs = athenaQueries(database, [{ schema, tableName: table }]);
    const known = new Set(schema.columns.map((c) => c.name));

    describe(schema.id, () => {
      it('has incident queries of its own, plus format drift, duplicates, the dedup view and maintenance', () => {
        assert.ok(specs.filter((s) => s.kind === 'incident').length >= 4, 'two or more of its own, drift, duplicates');
        for (const local of ['FormatDrift', 'Duplicates', 'CreateDedupView', 'Optimize', 'Vacuum']) {
          const id = schema.id === 'alb-access' ? local[0]!.toLowerCase() + local.slice(1) : `${local}`;
          assert.ok(
            specs.some((s) => s.id.endsWith(id)),
            `${schema.id}: ${local}`,
          );
        }
        assert.ok(specs.every((s) => s.logTypes.length === 1 && s.logTypes[0] === schema.id));
        if (schema.id !== 'alb-access') {
          for (const spec of specs) assert.ok(spec.name.startsWith(`${table}: `), `${spec.name} says its table`);
        }
      });

      it('reads its table, filters on "time" and quotes it', () => {
        for (const spec of specs.filter((s) => s.kind !== 'maintenance')) {
          assert.ok(spec.sql.includes(`FROM "${database}"."${table}"`), spec.name);
          const unquoted = spec.sql.replaceAll('"time"', '').match(/\btime\b/gi);
          assert.equal(unquoted, null, `${spec.name}: ${spec.sql}`);
        }
        for (const spec of specs.filter((s) => s.kind === 'incident')) {
          assert.match(spec.sql, TIME_WINDOW, spec.name);
        }
      });

      it('names only columns of its table', () => {
        for (const spec of specs) {
          const words = columnWords(spec, [database, table, dedupViewName(table)]);
          assert.deepEqual(
            words.filter((w) => !known.has(w)),
            [],
            spec.name,
          );
        }
      });

      it('has a dedup view over exactly its columns, by its line identity', () => {
        const sql = specs.find((s) => s.kind === 'view')?.sql ?? '';
        const identity = [...schema.lineIdentity, '"time"'].join(', ');
        assert.ok(sql.includes(`row_number() OVER (PARTITION BY ${identity})`), sql);
        const selected = sql.slice(sql.indexOf('SELECT'), sql.indexOf('FROM ('));
        assert.deepEqual(
          [...selected.matchAll(/"([a-z_0-9]+)"/g)].map((m) => m[1]),
          schema.columns.map((c) => c.name),
        );
      });
    });
  }

  it('refuses a query on a column its schema does not have', () => {
    const nlb = logSchemaOf('nlb-access');
    const renamed = { ...nlb, columns: nlb.columns.filter((c) => c.name !== 'client_ip') };
    assert.throws(() => athenaQueries(database, [{ schema: renamed, tableName: 'nlb' }]), /has no column/);
  });

  it('joins ALB access and connection logs on conn_trace_id when both tables exist, each filtered on its time', () => {
    const tables = (['alb-access', 'alb-connection'] as const).map((id) => ({
      schema: logSchemaOf(id),
      tableName: logSchemaOf(id).defaultTableName,
    }));
    const join = athenaQueries(database, tables).filter((s) => s.logTypes.length === 2);
    assert.equal(join.length, 1);
    const sql = join[0]!.sql;
    assert.ok(sql.includes(`FROM "${database}"."access_logs" a\nJOIN "${database}"."connection_logs" c`), sql);
    assert.ok(sql.includes('ON c.conn_trace_id = a.conn_trace_id'));
    assert.match(sql, /WHERE a\."time" >= localtimestamp - INTERVAL '1' HOUR\n {2}AND c\."time" >= localtimestamp/);
    const known = new Set([...ALB_ACCESS.columns, ...logSchemaOf('alb-connection').columns].map((c) => c.name));
    const words = columnWords(join[0]!, [database, 'access_logs', 'connection_logs', 'a', 'c']);
    assert.deepEqual(
      words.filter((w) => !known.has(w)),
      [],
    );
    assert.equal(athenaQueries(database, [tables[0]!]).filter((s) => s.logTypes.length === 2).length, 0);
  });
});

describe('Athena with a configured database, table, stack name and scan limit', () => {
  const { template } = synth({
    stackName: 'EdgeLogs',
    databaseName: 'edge_logs',
    tableName: 'alb_prod',
    athenaBytesScannedCutoffGiB: '50',
    removalPolicy: 'retain',
  });
  const [, workGroup] = onlyResource(template, 'AWS::Athena::WorkGroup');

  it('uses them in the workgroup and the named queries', () => {
    assert.equal(workGroup.Properties?.Name, 'EdgeLogs');
    const configuration = workGroup.Properties?.WorkGroupConfiguration as Record<string, unknown>;
    assert.equal(configuration.BytesScannedCutoffPerQuery, 50 * GIB);
    for (const q of Object.values(resourcesOfType(template, 'AWS::Athena::NamedQuery'))) {
      assert.equal(q.Properties?.Database, 'edge_logs');
      assert.match(q.Properties?.QueryString as string, /edge_logs"?\."?(alb_prod|[a-z_]+_logs)/);
    }
  });

  it('keeps the workgroup and its queries under the retain removal policy', () => {
    template.hasResource('AWS::Athena::WorkGroup', { DeletionPolicy: 'Retain' });
    for (const q of Object.values(resourcesOfType(template, 'AWS::Athena::NamedQuery'))) {
      assert.equal(q.DeletionPolicy, 'Retain');
    }
  });
});
