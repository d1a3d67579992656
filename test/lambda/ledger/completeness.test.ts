import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountedFor, addToDay, emptyDay, judgeFolder } from '../../../lambda/ledger/completeness';
import { type LedgerEntry, NO_ACCOUNTING, NO_PROGRESS } from '../../../lambda/ledger/entry';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const old = new Date(NOW - 3600_000);
const entry = (
  key: string,
  etag: string,
  state: LedgerEntry['state'],
  extra: Partial<LedgerEntry> = {},
): LedgerEntry => ({
  bucket: 'logs',
  key,
  etag,
  state,
  checkpoint: NO_PROGRESS,
  accounting: { ...NO_ACCOUNTING, linesDone: 10 },
  runs: 1,
  firstSeenAt: 0,
  updatedAt: 0,
  ...extra,
});

describe('judgeFolder', () => {
  it('gives each listed version its ledger state, missing or recent, and reports versions S3 no longer lists', () => {
    const listed = [
      { key: 'a', etag: '"1"', size: 5, lastModified: old },
      { key: 'b', etag: '"2"', size: 5, lastModified: old },
      { key: 'c', etag: '"new"', size: 5, lastModified: old },
      { key: 'd', etag: '"4"', size: 5, lastModified: new Date(NOW - 60_000) },
      { key: 'e', etag: '"5"', size: 5, lastModified: old },
      { key: 'f', etag: '"6"', size: 0, lastModified: old },
    ];
    const entries = [
      entry('a', '1', 'done'),
      entry('b', '2', 'failed', { cause: 'Firehose: AccessDenied' }),
      entry('c', 'old', 'done'),
      entry('deleted', '9', 'done'),
      entry('f', '6', 'skipped', { reason: 'empty' }),
    ];
    const j = judgeFolder(listed, entries, { now: NOW, graceMs: 30 * 60_000 });
    assert.deepEqual(
      j.objects.map((o) => [o.object.key, o.verdict, o.replaced ?? false]),
      [
        ['a', 'done', false],
        ['b', 'failed', false],
        ['c', 'missing', true],
        ['d', 'recent', false],
        ['e', 'missing', false],
        ['f', 'skipped', false],
      ],
    );
    assert.deepEqual(j.gone.map((e) => `${e.key}#${e.etag}`).sort(), ['c#old', 'deleted#9']);
    const day = emptyDay('2026-12-01');
    addToDay(day, j);
    assert.equal(day.verdicts.done.objects, 1);
    assert.equal(day.verdicts.done.linesDone, 10);
    assert.equal(day.verdicts.missing.objects, 2);
    assert.equal(day.replaced, 1);
    assert.equal(day.gone.objects, 2);
    assert.deepEqual(day.failedCauses, { 'Firehose: AccessDenied': 1 });
    assert.deepEqual(day.skippedReasons, { empty: 1 });
    assert.equal(accountedFor(day), false);
    assert.equal(accountedFor(emptyDay('2026-12-02')), true);
  });

  it('calls an object without an entry written before the ledger started before-ledger, not missing', () => {
    const listed = [
      { key: 'old', etag: '"1"', size: 5, lastModified: new Date(NOW - 86_400_000) },
      { key: 'new', etag: '"2"', size: 5, lastModified: old },
      { key: 'done', etag: '"3"', size: 5, lastModified: new Date(NOW - 86_400_000) },
    ];
    const j = judgeFolder(listed, [entry('done', '3', 'done')], {
      now: NOW,
      graceMs: 30 * 60_000,
      ledgerSince: NOW - 7_200_000,
    });
    assert.deepEqual(
      j.objects.map((o) => [o.object.key, o.verdict]),
      [
        ['old', 'before-ledger'],
        ['new', 'missing'],
        ['done', 'done'],
      ],
    );
    const day = emptyDay('2026-12-01');
    addToDay(day, j);
    assert.equal(day.verdicts['before-ledger'].objects, 1);
    assert.equal(accountedFor(day), false, 'new is missing');
  });
});
