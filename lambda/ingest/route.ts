/**
 * Where one object's lines go, decided from its key alone (never from its first line): the log type the file name
 * names (lambda/s3/log-key.ts) and that type's Firehose stream, or why the object is skipped. Pure.
 */

import { describeLogKey, type LogObjectKind } from '../s3/log-key';
import type { LogTypeId } from '../schema/types';

export type Route =
  | { readonly kind: 'ingest'; readonly logType: LogTypeId; readonly streamName: string }
  | {
      readonly kind: 'skip';
      /** The skip reason recorded in the ledger and logs: the object kind, or that its log type is not enabled. */
      readonly reason: string;
      /** Set when the object is a log type this deployment does not ingest. */
      readonly logType?: LogTypeId;
      readonly objectKind: LogObjectKind;
    };

/** @param streams the stream of each enabled log type (ingest config); a type without one is not enabled */
export function routeObject(key: string, streams: Readonly<Partial<Record<LogTypeId, string>>>): Route {
  const described = describeLogKey(key);
  const { logType, kind } = described;
  if (logType === undefined) return { kind: 'skip', reason: kind, objectKind: kind };
  const streamName = streams[logType];
  if (streamName === undefined) {
    return { kind: 'skip', reason: `log type not enabled: ${logType}`, logType, objectKind: kind };
  }
  return { kind: 'ingest', logType, streamName };
}
