/** The pure parts of status, reconcile and the scheduled check: option parsing, selection, formatting, exit codes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReconcile } from '../../bin/commands/reconcile';
import { parseScope } from '../../bin/commands/scope-options';
import { formatStatus, type StatusReport, statusExitCode, statusJson } from '../../bin/commands/status';
import { checkMetrics } from '../../lambda/check/handler';
import { checkMetricsLine, NO_CHECK_METRICS } from '../../lambda/check/metrics';
import type { FolderJudgement, ObjectVerdict, Verdict } from '../../lambda/ledger/completeness';
import { NO_ACCOUNTING, NO_PROGRESS } from '../../lambda/ledger/entry';
import { type DayReport, DayTotals, dayOfFolder, judgedObjects, totalOf } from '../../lambda/ops/ledger-scan';
import { objectsToEnqueue, type ReconcileResult } from '../../lambda/ops/reconcile';

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

  it('sets apart empty access logs and keys that are not access logs the ledger does not know', () => {
    const j = judgedObjects(judgement);
    assert.equal(j.empty, 1);
    assert.equal(j.notAccessLogs, 1);
    assert.deepEqual(
      j.judgement.objects.map((o) => o.verdict),
      ['done', 'failed', 'skipped', 'in-progress', 'missing', 'recent', 'skipped'],
      'an entry the ledger has keeps its verdict, whatever the key',
    );
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
  totals.add({ folder: FOLDER, day: '2026-11-22', judgement, notAccessLogs: 0, empty: 0 });
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
    assert.deepEqual(Object.keys(doc), [
      'kind',
      'version',
      'bucket',
      'prefix',
      'from',
      'to',
      'accounts',
      'regions',
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
    totals.add({ folder: FOLDER, day: '2026-11-22', judgement: j, notAccessLogs: 1, empty: 2 });
    totals.add({ folder: FOLDER, day: '2026-11-23', judgement: j, notAccessLogs: 0, empty: 1 });
    const t: DayReport = totalOf(totals.list());
    assert.equal(t.summary.verdicts.failed.objects, 2);
    assert.deepEqual(t.summary.failedCauses, { x: 2 });
    assert.deepEqual([t.folders, t.notAccessLogs, t.empty], [2, 1, 3]);
  });
});

describe('reconcile summary and check metrics', () => {
  const result = (over: Partial<ReconcileResult> = {}): ReconcileResult => ({
    counters: { listRequests: 3, ledgerQueries: 1, listed: 2, batchCalls: 1, retries: 0 },
    selected: { missing: 2, failed: 0, bytes: 20 },
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
