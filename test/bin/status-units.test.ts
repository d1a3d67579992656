/** The pure parts of status, reconcile and the scheduled check: option parsing, selection, formatting, exit codes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReconcile } from '../../bin/commands/reconcile';
import { parseScope } from '../../bin/commands/scope-options';
import { formatStatus, type StatusReport, statusExitCode, statusJson } from '../../bin/commands/status';
import { checkMetrics } from '../../lambda/check/handler';
import { checkMetricsLine, NO_CHECK_METRICS } from '../../lambda/check/metrics';
import { objectsToEnqueue, type ReconcileResult } from '../../lambda/enqueue/reconcile';
import { type DayReport, DayTotals, dayOfFolder, judgedObjects, totalOf } from '../../lambda/inventory/ledger-scan';
import { parseLogTypeList } from '../../lambda/inventory/log-type-selection';
import type { FolderJudgement, ObjectVerdict, Verdict } from '../../lambda/ledger/completeness';
import { NO_ACCOUNTING, NO_PROGRESS } from '../../lambda/ledger/entry';
import { LOG_TYPE_IDS, type LogTypeId } from '../../lambda/schema/log-types';
import { cloudwatchParquetKey, dayFolderOf, logKey } from '../support/elb-keys';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const FOLDER = 'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/22/';
const ACCESS = (n: number) =>
  `${FOLDER}123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20261122T100${n}Z_10.0.0.1_r${n}.log.gz`;

function verdict(
  key: string,
  v: Verdict,
  o: { size?: number; withEntry?: boolean; cause?: string } = {},
): ObjectVerdict {
  const state = v === 'missing' || v === 'recent' || v === 'before-ledger' ? undefined : v;
  return {
    object: { key, size: o.size ?? 10, lastModified: new Date(NOW - 7_200_000), etag: `"e-${key.length}"` },
    verdict: v,
    ...(state || o.withEntry
      ? {
          entry: {
            bucket: 'b',
            key,
            etag: `e-${key.length}`,
            state: state ?? 'skipped',
            checkpoint: NO_PROGRESS,
            accounting: { ...NO_ACCOUNTING, linesDone: state === 'done' ? 5 : 0 },
            runs: 1,
            firstSeenAt: 0,
            updatedAt: 0,
            ...(o.cause ? { cause: o.cause } : {}),
          },
        }
      : {}),
  };
}

describe('parseScope (status and reconcile options)', () => {
  const base = { bucket: 'logs', 'ledger-table': 't', from: '2026-11-20' };

  it('defaults --to to today (UTC) and the grace period to 30 minutes', () => {
    assert.deepEqual(parseScope(base, NOW), {
      scope: { bucket: 'logs', from: '2026-11-20', to: '2026-11-23' },
      to: '2026-11-23',
      ledgerTable: 't',
      graceMinutes: 30,
    });
  });

  it('keeps prefix, accounts and regions, and reads --grace-minutes (0 allowed)', () => {
    const p = parseScope(
      { ...base, prefix: 'prod', account: ['123456789012'], 'log-region': ['eu-west-1'], 'grace-minutes': '0' },
      NOW,
    );
    assert.ok(typeof p !== 'string');
    assert.deepEqual(p.scope.accounts, ['123456789012']);
    assert.deepEqual(p.scope.regions, ['eu-west-1']);
    assert.equal(p.scope.prefix, 'prod');
    assert.equal(p.graceMinutes, 0);
  });

  it('reads --type as repeatable comma-separated lists, in a fixed order without duplicates', () => {
    const p = parseScope({ ...base, type: ['clb-access, alb-access', 'clb-access'] }, NOW);
    assert.ok(typeof p !== 'string');
    assert.deepEqual(p.scope.logTypes, ['alb-access', 'clb-access']);
    const all = parseScope(base, NOW);
    assert.ok(typeof all !== 'string');
    assert.equal(all.scope.logTypes, undefined, 'no --type: every type');
  });

  it('parseLogTypeList accepts every type and any order of a selection gives the same list', () => {
    const ok = parseLogTypeList([[...LOG_TYPE_IDS].reverse().join(',')], 'x');
    assert.deepEqual(ok, { types: LOG_TYPE_IDS });
    for (const bad of [[], [''], [' '], ['alb'], ['ALB-ACCESS']]) {
      const r = parseLogTypeList(bad, 'LOG_TYPES');
      assert.ok('problem' in r, JSON.stringify(bad));
      assert.match(r.problem, /^LOG_TYPES/);
      assert.match(r.problem, /alb-access, alb-connection, alb-health-check, nlb-access, clb-access/);
    }
  });

  it('returns one-line problems for what cannot be used', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, bucket: undefined }, /^--bucket is required$/],
      [{ ...base, 'ledger-table': undefined }, /^--ledger-table is required/],
      [{ ...base, from: undefined }, /^--from is required/],
      [{ ...base, from: '20-11-2026' }, /^--from must be a date/],
      [{ ...base, from: '2026-11-24' }, /^--from 2026-11-24 is after today \(2026-11-23\)$/],
      [{ ...base, to: '2026-11-19' }, /^--from 2026-11-20 is after --to 2026-11-19$/],
      [{ ...base, 'grace-minutes': '-1' }, /^--grace-minutes must be a number of minutes >= 0, got '-1'$/],
      [{ ...base, 'grace-minutes': '' }, /^--grace-minutes must be/],
      [{ ...base, 'log-region': ['europe'] }, /^--log-region must be a region/],
      [
        { ...base, type: ['alb-access,alb-acess'] },
        /^--type: unknown log type 'alb-acess'; valid types: alb-access, alb-connection, alb-health-check, nlb-access, clb-access$/,
      ],
      [{ ...base, type: ['alb-access,'] }, /^--type must name log types separated by commas/],
    ];
    for (const [values, problem] of cases) {
      const p = parseScope(values as Parameters<typeof parseScope>[0], NOW);
      assert.equal(typeof p, 'string', JSON.stringify(values));
      assert.match(p as string, problem);
      assert.ok(!(p as string).includes('\n'));
    }
  });
});

describe('judgedObjects and objectsToEnqueue', () => {
  const judgement: FolderJudgement = {
    objects: [
      verdict(ACCESS(1), 'done'),
      verdict(ACCESS(2), 'failed', { cause: 'boom' }),
      verdict(ACCESS(3), 'skipped'),
      verdict(ACCESS(4), 'in-progress'),
      verdict(ACCESS(5), 'missing'),
      verdict(ACCESS(6), 'recent'),
      verdict(ACCESS(7), 'missing', { size: 0 }),
      verdict(`${FOLDER}conn_log_x.log.gz`, 'missing'),
      verdict(`${FOLDER}ELBAccessLogTestFile`, 'skipped', { withEntry: true }),
    ],
    gone: [],
  };

  it('sets apart empty log files and keys that are no log file the ledger does not know', () => {
    const j = judgedObjects(judgement);
    assert.deepEqual(j.notJudged, {
      notLogFiles: 1,
      cloudwatchDelivery: 0,
      empty: { 'alb-access': 1 },
      notSelected: {},
    });
    assert.deepEqual(
      j.judgement.objects.map((o) => o.verdict),
      ['done', 'failed', 'skipped', 'in-progress', 'missing', 'recent', 'skipped'],
      'an entry the ledger has keeps its verdict, whatever the key',
    );
    assert.deepEqual(Object.keys(j.byType), ['alb-access'], 'the test file has no type');
    assert.equal(j.byType['alb-access']!.objects.length, 6);
  });

  it('judges a log file of every type (Classic .log included), each under its type', () => {
    const day = '2026-11-22';
    const objects = LOG_TYPE_IDS.flatMap((t, i) => [
      verdict(logKey(t, day, 2 * i + 1), 'missing'),
      verdict(logKey(t, day, 2 * i + 2), 'done'),
    ]);
    const parquet = verdict(cloudwatchParquetKey(day, 1), 'missing');
    const j = judgedObjects({ objects: [...objects, parquet], gone: [] });
    assert.equal(j.judgement.objects.length, 10);
    for (const t of LOG_TYPE_IDS) {
      assert.deepEqual(
        j.byType[t]!.objects.map((o) => o.verdict),
        ['missing', 'done'],
        t,
      );
    }
    assert.equal(j.notJudged.notLogFiles, 1);
    assert.equal(j.notJudged.cloudwatchDelivery, 1, 'the Parquet object of CloudWatch delivery');
    assert.deepEqual(
      objectsToEnqueue(j.judgement, false).map((o) => o.key),
      LOG_TYPE_IDS.map((t, i) => logKey(t, day, 2 * i + 1)),
    );
  });

  it('sets apart log files (and gone entries) of types outside the selection, whatever the ledger says', () => {
    const day = '2026-11-22';
    const types: LogTypeId[] = ['alb-access', 'clb-access'];
    const gone = (t: LogTypeId, n: number) => verdict(logKey(t, day, n), 'done').entry!;
    const j = judgedObjects(
      {
        objects: [
          verdict(logKey('alb-access', day, 1), 'missing'),
          verdict(logKey('clb-access', day, 2), 'missing'),
          verdict(logKey('alb-connection', day, 3), 'missing'),
          verdict(logKey('alb-connection', day, 4), 'skipped'),
          verdict(logKey('nlb-access', day, 5), 'missing', { size: 0 }),
        ],
        gone: [gone('alb-access', 6), gone('alb-health-check', 7)],
      },
      types,
    );
    assert.deepEqual(
      j.judgement.objects.map((o) => o.object.key),
      [logKey('alb-access', day, 1), logKey('clb-access', day, 2)],
    );
    assert.deepEqual(j.notJudged.notSelected, { 'alb-connection': 2, 'nlb-access': 1 });
    assert.deepEqual(j.notJudged.empty, {}, 'a 0-byte file of a type not selected is not selected');
    assert.deepEqual(
      j.judgement.gone.map((e) => e.key),
      [logKey('alb-access', day, 6)],
    );
    assert.equal(j.byType['alb-access']!.gone.length, 1);
    assert.equal(j.byType['alb-health-check'], undefined);
  });

  it('selects only the missing objects, and the failed ones when asked', () => {
    const j = judgedObjects(judgement).judgement;
    assert.deepEqual(
      objectsToEnqueue(j, false).map((o) => o.key),
      [ACCESS(5)],
    );
    assert.deepEqual(
      objectsToEnqueue(j, true).map((o) => o.key),
      [ACCESS(2), ACCESS(5)],
    );
  });

  it('dayOfFolder reads the date of an ALB day folder', () => {
    assert.equal(dayOfFolder(FOLDER), '2026-11-22');
    assert.equal(dayOfFolder('AWSLogs/'), '');
  });
});

function report(judgement: FolderJudgement, over: Partial<StatusReport> = {}): StatusReport {
  const totals = new DayTotals('2026-11-22', '2026-11-23');
  totals.add({ folder: FOLDER, day: '2026-11-22', ...judgedObjects(judgement) });
  return {
    parsed: {
      scope: { bucket: 'logs', from: '2026-11-22', to: '2026-11-23' },
      to: '2026-11-23',
      ledgerTable: 'ledger',
      graceMinutes: 30,
    },
    checkedAt: NOW,
    days: totals.list(),
    counters: { listRequests: 4, ledgerQueries: 2, listed: 3 },
    ...over,
  };
}

describe('status: exit code, table and JSON', () => {
  const allDone: FolderJudgement = {
    objects: [verdict(ACCESS(1), 'done'), verdict(ACCESS(4), 'in-progress')],
    gone: [],
  };
  const oneFailed: FolderJudgement = { objects: [verdict(ACCESS(1), 'done'), verdict(ACCESS(2), 'failed')], gone: [] };
  const oneMissing: FolderJudgement = { objects: [verdict(ACCESS(5), 'missing')], gone: [] };

  it('exits 0 only when nothing is missing or failed and the scan went to the end', () => {
    assert.equal(statusExitCode(report(allDone)), 0, 'in progress is accounted for');
    assert.equal(statusExitCode(report(oneFailed)), 1);
    assert.equal(statusExitCode(report(oneMissing)), 1);
    assert.equal(statusExitCode(report(allDone, { stopped: 'interrupted' })), 1);
  });

  it('aligns the table: every row has the header’s width, days without folders show zeros', () => {
    const text = formatStatus(report(oneFailed));
    const rows = text.split('\n').filter((l) => /^(day|20\d\d-|total)/.test(l));
    assert.equal(rows.length, 4);
    assert.equal(new Set(rows.map((r) => r.length)).size, 1, rows.join('\n'));
    assert.deepEqual(rows[2]!.split(/\s+/), ['2026-11-23', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0']);
    assert.match(text, /^status: s3:\/\/logs\/AWSLogs\/ from 2026-11-22 to 2026-11-23, ledger ledger, grace 30 min\n/);
    assert.match(text, /NOT accounted for: 0 missing, 1 failed\. Next: 'alb-iceberg reconcile --failed'/);
    assert.match(
      formatStatus(report(allDone)),
      /accounted for: nothing missing, nothing failed \(1 still on their way\)\n$/,
    );
    assert.match(formatStatus(report(allDone, { stopped: 'interrupted' })), /incomplete: the scan stopped/);
  });

  it('documents the JSON shape: totals, days, requests', () => {
    const doc = statusJson(report(oneMissing));
    assert.equal(doc.version, 2);
    assert.deepEqual(doc.logTypes, LOG_TYPE_IDS, 'no --type: every type');
    assert.deepEqual(Object.keys(doc.total.types), LOG_TYPE_IDS, 'every type, zeros included');
    assert.equal(doc.total.types['alb-access'].missing.objects, 1);
    assert.equal(doc.total.types['clb-access'].missing.objects, 0);
    assert.deepEqual(Object.keys(doc), [
      'kind',
      'version',
      'bucket',
      'prefix',
      'from',
      'to',
      'accounts',
      'regions',
      'logTypes',
      'ledgerTable',
      'graceMinutes',
      'checkedAt',
      'accountedFor',
      'complete',
      'requests',
      'total',
      'days',
    ]);
    assert.equal(doc.checkedAt, '2026-11-23T12:00:00.000Z');
    assert.equal(doc.total.missing.objects, 1);
    assert.equal(doc.total.day, undefined);
    assert.equal(doc.total.samples, undefined);
    assert.deepEqual(doc.days[0]!.samples, { missing: [ACCESS(5)], failed: [] });
    assert.equal(doc.days[1]!.accountedFor, true);
  });

  it('totalOf adds up days, causes and reasons', () => {
    const j: FolderJudgement = { objects: [verdict(ACCESS(2), 'failed', { cause: 'x' })], gone: [] };
    const totals = new DayTotals('2026-11-22', '2026-11-23');
    const apart = (notLogFiles: number, empty: number) => ({
      notLogFiles,
      cloudwatchDelivery: notLogFiles,
      empty: { 'clb-access': empty },
      notSelected: { 'nlb-access': 1 },
    });
    const byType = { 'alb-access': j };
    totals.add({ folder: FOLDER, day: '2026-11-22', judgement: j, byType, notJudged: apart(1, 2) });
    totals.add({ folder: FOLDER, day: '2026-11-23', judgement: j, byType, notJudged: apart(0, 1) });
    const t: DayReport = totalOf(totals.list());
    assert.equal(t.summary.verdicts.failed.objects, 2);
    assert.deepEqual(t.summary.failedCauses, { x: 2 });
    assert.equal(t.byType['alb-access']!.verdicts.failed.objects, 2);
    assert.deepEqual(t.byType['alb-access']!.failedCauses, { x: 2 });
    assert.equal(t.folders, 2);
    assert.deepEqual(t.notJudged, {
      notLogFiles: 1,
      cloudwatchDelivery: 1,
      empty: { 'clb-access': 3 },
      notSelected: { 'nlb-access': 2 },
    });
  });

  it('shows the range per log type and what was set apart, with the selection in the heading', () => {
    const day = '2026-11-22';
    const j = judgedObjects(
      {
        objects: [
          verdict(logKey('alb-access', day, 1), 'done'),
          verdict(logKey('clb-access', day, 2), 'missing'),
          verdict(logKey('alb-connection', day, 3), 'missing'),
          verdict(cloudwatchParquetKey(day, 4), 'missing'),
        ],
        gone: [],
      },
      ['alb-access', 'clb-access'],
    );
    const totals = new DayTotals(day, day);
    totals.add({ folder: dayFolderOf(day), day, ...j });
    const r = report({ objects: [], gone: [] }, { days: totals.list() });
    const parsed = { ...r.parsed, scope: { ...r.parsed.scope, logTypes: ['alb-access', 'clb-access'] as LogTypeId[] } };
    const text = formatStatus({ ...r, parsed });
    assert.match(text, /\(log types alb-access, clb-access\), ledger ledger/);
    const rows = text.split('\n');
    const at = rows.indexOf('by log type (total):');
    assert.ok(at > 0, text);
    assert.match(rows[at + 1]!, /^type\s+done\s+lines\s+.*\s+empty\s+not-selected$/);
    const cells = (t: string) =>
      rows
        .find((l) => l.startsWith(`${t} `))
        ?.trim()
        .split(/\s+/)
        .slice(1)
        .map(Number);
    assert.deepEqual(cells('alb-access'), [1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(cells('clb-access'), [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(cells('alb-connection'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.equal(cells('nlb-access'), undefined, 'a type without any file has no row');
    assert.match(
      text,
      /not judged: 0 empty log file\(s\), 1 key\(s\) that are no log file \(1 of CloudWatch-vended delivery\), 1 log file\(s\) of types not selected \(alb-connection 1\)/,
    );
    const doc = statusJson({ ...r, parsed });
    assert.deepEqual(doc.logTypes, ['alb-access', 'clb-access']);
    assert.equal(doc.total.notSelected, 1);
    assert.equal(doc.total.types['alb-connection'].notSelected, 1);
    assert.equal(doc.total.types['clb-access'].missing.objects, 1);
    assert.equal(doc.total.cloudwatchDelivery, 1);
    assert.equal(doc.total.notAccessLogs, doc.total.notLogFiles);
  });
});

describe('reconcile summary and check metrics', () => {
  const result = (over: Partial<ReconcileResult> = {}): ReconcileResult => ({
    counters: { listRequests: 3, ledgerQueries: 1, listed: 2, batchCalls: 1, retries: 0 },
    selected: { missing: 2, failed: 0, bytes: 20 },
    selectedByType: { 'alb-access': 2 },
    enqueued: { missing: 2, failed: 0 },
    samples: { missing: ['a', 'b'], failed: [] },
    days: report({ objects: [verdict(ACCESS(5), 'missing'), verdict(ACCESS(6), 'missing')], gone: [] }).days,
    stopped: undefined,
    ...over,
  });

  it('formats what was enqueued and what was left alone', () => {
    const parsed = report({ objects: [], gone: [] }).parsed;
    const text = formatReconcile(result(), parsed, { dryRun: false, includeFailed: false, queue: 'https://q/1/x' });
    assert.match(
      text,
      /^reconcile: s3:\/\/logs\/AWSLogs\/ from 2026-11-22 to 2026-11-23, ledger ledger -> https:\/\/q\/1\/x\n/,
    );
    assert.match(
      text,
      /enqueued: 2 missing of 2 selected \(20 bytes\), in 1 SendMessageBatch call\(s\)\n {2}missing: a\n {2}missing: b\n/,
    );
    const dry = formatReconcile(result({ samples: { missing: ['a'], failed: [] } }), parsed, {
      dryRun: true,
      includeFailed: true,
      queue: undefined,
    });
    assert.match(
      dry,
      /to enqueue: 2 missing, 0 failed \(20 bytes\); nothing sent\n {2}missing: a\n {2}… and 1 more missing\n/,
    );
  });

  it('check metrics: the missing objects, enqueued ones, and CheckErrors for a failed or stopped run', () => {
    assert.deepEqual(checkMetrics(result(), false), {
      ...NO_CHECK_METRICS,
      ObjectsNotInPipeline: 2,
      ObjectsEnqueued: 2,
    });
    assert.equal(checkMetrics(result({ stopped: 'deadline' }), false).CheckErrors, 1);
    assert.deepEqual(checkMetrics(undefined, true), { ...NO_CHECK_METRICS, CheckErrors: 1 });
  });

  it('writes every check metric, zeros included, with the check’s dimensions', () => {
    const line = JSON.parse(checkMetricsLine('S', NO_CHECK_METRICS, 1));
    assert.equal(line.Service, 'completeness-check');
    assert.equal(line.Stack, 'S');
    assert.equal(line.ObjectsNotInPipeline, 0);
    assert.equal(line._aws.CloudWatchMetrics[0].Metrics.length, Object.keys(NO_CHECK_METRICS).length);
    assert.equal(line._aws.Timestamp, 1);
  });
});
