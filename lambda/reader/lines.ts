/**
 * Splits a byte stream into text lines without ever holding more than one chunk plus one partial line in memory.
 * `\n` and `\r\n` both end a line; a last line without a terminator is still a line. Invalid UTF-8 becomes U+FFFD
 * (the line is kept; Firehose records must be valid UTF-8 anyway).
 */
import { StringDecoder } from 'node:string_decoder';

/** A line longer than {@link MAX_LINE_CHARS}: only its head is kept, for the rejection record. */
export class OverlongLine {
  constructor(
    readonly head: string,
    readonly length: number,
  ) {}
}

/** Longer than any Firehose record may be (1,000 KiB), so such a line could never be delivered anyway. */
export const MAX_LINE_CHARS = 1024 * 1024;
const OVERLONG_HEAD_CHARS = 4096;

/** Yields the complete lines found in each chunk, in order. */
export async function* lines(source: AsyncIterable<Uint8Array>): AsyncGenerator<(string | OverlongLine)[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let overlong: { head: string; length: number } | undefined;
  for await (const chunk of source) {
    const text = decoder.write(chunk as Buffer);
    const out: (string | OverlongLine)[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      if (overlong) {
        out.push(new OverlongLine(overlong.head, overlong.length + nl - start));
        overlong = undefined;
      } else {
        let line = start === 0 && carry !== '' ? carry + text.slice(0, nl) : text.slice(start, nl);
        if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        out.push(
          line.length > MAX_LINE_CHARS ? new OverlongLine(line.slice(0, OVERLONG_HEAD_CHARS), line.length) : line,
        );
      }
      carry = '';
      start = nl + 1;
    }
    const rest = start === 0 ? carry + text : text.slice(start);
    if (overlong) {
      overlong.length += rest.length;
      carry = '';
    } else if (rest.length > MAX_LINE_CHARS) {
      overlong = { head: rest.slice(0, OVERLONG_HEAD_CHARS), length: rest.length };
      carry = '';
    } else {
      carry = rest;
    }
    if (out.length > 0) yield out;
  }
  const tail = carry + decoder.end();
  if (overlong) yield [new OverlongLine(overlong.head, overlong.length + tail.length)];
  else if (tail !== '') yield [tail.charCodeAt(tail.length - 1) === 13 ? tail.slice(0, -1) : tail];
}
