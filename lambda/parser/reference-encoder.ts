/**
 * The reference path for any log type: each line is decoded as UTF-8 text and given to the reference parser
 * (line-parser.ts), the definition of the format. Every log type but ALB access logs always takes this path; ALB
 * access logs take it when the kernel is switched off, and for the lines the kernel leaves to it.
 */
import type { LogSchema } from '../schema/types';
import { type EncodedLines, type LineEncoder, type LineSpans, MAX_RECORD_BYTES, recordTooBig } from './encoded-lines';
import { LineParser } from './line-parser';
import type { FileContext } from './record-keys';

export class ReferenceEncoder implements LineEncoder {
  private readonly parser: LineParser;

  constructor(schema: LogSchema, context: FileContext = {}) {
    this.parser = new LineParser(context, schema);
  }

  encodeLines(bytes: Buffer, spans: LineSpans, file: string, into: EncodedLines): number {
    let extraFieldLines = 0;
    for (let i = 0; i < spans.count; i++) {
      const line = bytes.toString('utf8', spans.start[i]!, spans.end[i]!);
      if (this.encodeLine(line, spans.number[i]!, file, into)) extraFieldLines++;
    }
    return extraFieldLines;
  }

  /** Encodes one decoded line into `into`; returns whether its record carried fields beyond the known list. */
  encodeLine(line: string, lineNumber: number, file: string, into: EncodedLines): boolean {
    const result = this.parser.parse(line, lineNumber);
    if (typeof result !== 'string') {
      into.rejects.push({ file, line: lineNumber, reason: result.reason, raw: line });
      return false;
    }
    const data = Buffer.from(result, 'utf8');
    if (data.length > MAX_RECORD_BYTES) {
      into.rejects.push({ file, line: lineNumber, reason: recordTooBig(data.length), raw: line });
      return false;
    }
    into.records.push({ lineNumber, data });
    return this.parser.lastHadExtraFields;
  }
}
