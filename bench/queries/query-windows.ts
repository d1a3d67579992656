/**
 * What each saved incident query of the ALB access table filters on, as windows statistics can answer, and which
 * target it is held to. Written out here (the SQL is in lib/queries), and checked by the benchmark: a row that
 * matches the windows and sits in a row group the model skips fails the run, and a saved incident query without an
 * entry here fails it too, so a new or changed query is measured rather than silently left out.
 */
import type { Window } from './read-model';

export type QueryCategory = 'last hour' | 'day range' | 'trace lookup';

/** The benchmark targets: how many times fewer bytes than the raw day folders, at least. */
export const TARGETS: Readonly<Record<QueryCategory, number>> = {
  'last hour': 30,
  'day range': 15,
  'trace lookup': 50,
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

/** The query's category and windows at `now` (epoch ms); for the trace lookup, `traceRoot` is its parameter. */
export function queryWindows(
  id: string,
  now: number,
  traceRoot: string,
): { category: QueryCategory; windows: Window[] } | undefined {
  const since = (ms: number): Window => ({ column: 'time', from: now - ms, to: Number.POSITIVE_INFINITY });
  switch (id) {
    case 'errorsByTarget':
    case 'latencyByTargetGroup':
    case 'topClients':
      return { category: 'last hour', windows: [since(HOUR)] };
    case 'duplicates':
      return { category: 'day range', windows: [since(DAY)] };
    case 'formatDrift':
      return { category: 'day range', windows: [since(7 * DAY)] };
    case 'byTraceId': {
      const started = traceStart(traceRoot);
      return {
        category: 'trace lookup',
        windows: [
          { column: 'time', from: started - MINUTE, to: started + DAY },
          { column: 'request_creation_time', from: started - MINUTE, to: started + 5 * MINUTE },
        ],
      };
    }
    default:
      return undefined;
  }
}

/** The start of a trace: the second part of its Root id (`1-<hex seconds>-<24 hex>`), as epoch ms. */
export function traceStart(root: string): number {
  const hex = /^1-([0-9a-f]{8})-[0-9a-f]{24}$/.exec(root)?.[1];
  if (!hex) throw new Error(`not an X-Ray Root id: ${root}`);
  return Number.parseInt(hex, 16) * 1000;
}

/**
 * The raw baseline of a query: the UTC days whose folders Athena would scan over the raw logs (partitioned by the
 * key's date), those the query's window on the day column covers. For the trace lookup that is the request window.
 */
export function rawDays(windows: readonly Window[], firstDay: string, lastDay: string): string[] {
  const w =
    windows.find((x) => 'from' in x && x.column === 'request_creation_time') ??
    windows.find((x) => x.column === 'time');
  if (!w || !('from' in w)) throw new Error('a query without a time window');
  const days: string[] = [];
  for (let t = Date.parse(`${firstDay}T00:00:00Z`); t <= Date.parse(`${lastDay}T00:00:00Z`); t += DAY) {
    if (t + DAY > w.from && t < w.to) days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
