/**
 * Splits a byte stream into lines without decoding it: each yielded block is one buffer plus the offsets of the
 * complete lines in it, so the encoder reads bytes in place. Memory holds one chunk plus one partial line.
 * `\n` and `\r\n` both end a line; a last line without a terminator is still a line. Bytes are not interpreted
 * here: invalid UTF-8 is dealt with by whoever decodes a line.
 *
 * Every input chunk yields at least one item, an empty block when it completes no line (blank-free stretches inside
 * a long line, the skipped rest of an overlong one), so a consumer's time check runs however the lines look.
 * When the source fails with {@link DamagedObjectError}, the unfinished line is yielded first: as a line when the
 * damage came after it (trailing garbage), as a {@link CutLine} when the damage cut it short; then the error is
 * thrown on.
 */
import { DamagedObjectError } from './decompress';

/** Complete lines inside one buffer: line i is `bytes[starts[i], ends[i])`, terminator excluded. */
export interface LineBlock {
  readonly bytes: Buffer;
  readonly starts: number[];
  readonly ends: number[];
}

/** A line longer than {@link MAX_LINE_BYTES}: only its head is kept, for the rejection record. */
export class OverlongLine {
  constructor(
    /** The first {@link OVERLONG_HEAD_BYTES} bytes, decoded. */
    readonly head: string,
    /** Length in bytes. */
    readonly length: number,
  ) {}
}

/** The unterminated last line before a damaged stretch of gzip, which cut it short: not a complete line. */
export class CutLine {
  constructor(
    /** The bytes before the damage, decoded. */
    readonly text: string,
    /** Length in bytes. */
    readonly length: number,
    readonly damage: DamagedObjectError,
  ) {}
}

/** Longer than any Firehose record may be (1,000 KiB), so such a line could never be delivered anyway. */
export const MAX_LINE_BYTES = 1024 * 1024;
const OVERLONG_HEAD_BYTES = 4096;
const LF = 10;
const CR = 13;

/** Yields, in order, a block per chunk (and one per line that spans chunks) and each overlong line. */
export async function* lineBlocks(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<LineBlock | OverlongLine | CutLine> {
  /** The unfinished line carried over from earlier chunks. */
  let carry: Buffer[] = [];
  let carryBytes = 0;
  /** Set while skipping the rest of an overlong line. */
  let overlong: { head: string; length: number } | undefined;

  try {
    for await (const raw of source) {
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      let from = 0;
      if (overlong || carryBytes > 0) {
        const nl = chunk.indexOf(LF);
        const upTo = nl === -1 ? chunk.length : nl;
        if (overlong) {
          overlong.length += upTo;
        } else if (carryBytes + upTo > MAX_LINE_BYTES) {
          const head = Buffer.concat([...carry, chunk.subarray(0, upTo)]).subarray(0, OVERLONG_HEAD_BYTES);
          overlong = { head: head.toString('utf8'), length: carryBytes + upTo };
          carry = [];
          carryBytes = 0;
        } else {
          carry.push(chunk.subarray(0, upTo));
          carryBytes += upTo;
        }
        if (nl === -1) {
          yield emptyBlock(chunk);
          continue;
        }
        if (overlong) {
          yield new OverlongLine(overlong.head, overlong.length);
          overlong = undefined;
        } else {
          const line = Buffer.concat(carry, carryBytes);
          carry = [];
          carryBytes = 0;
          yield oneLine(line);
        }
        from = nl + 1;
      }
      const restStart = yield* splitChunk(chunk, from);
      if (restStart === 0) yield emptyBlock(chunk);
      if (restStart < chunk.length) {
        const rest = chunk.length - restStart;
        if (rest > MAX_LINE_BYTES) {
          overlong = { head: chunk.toString('utf8', restStart, restStart + OVERLONG_HEAD_BYTES), length: rest };
        } else {
          // A copy, so the carried bytes do not pin the whole chunk.
          carry.push(Buffer.from(chunk.subarray(restStart)));
          carryBytes = rest;
        }
      }
    }
  } catch (e) {
    if (!(e instanceof DamagedObjectError)) throw e;
    if (overlong) {
      yield new OverlongLine(overlong.head, overlong.length);
    } else if (carryBytes > 0) {
      const line = Buffer.concat(carry, carryBytes);
      yield e.cutsLastLine ? new CutLine(line.toString('utf8'), line.length, e) : oneLine(line);
    }
    throw e;
  }
  if (overlong) {
    yield new OverlongLine(overlong.head, overlong.length);
  } else if (carryBytes > 0) {
    yield oneLine(Buffer.concat(carry, carryBytes));
  }
}

/** A block of no lines: the chunk was read, and only continued a line. */
const emptyBlock = (bytes: Buffer): LineBlock => ({ bytes, starts: [], ends: [] });

const endOfLine = (bytes: Buffer, start: number, nl: number) => (nl > start && bytes[nl - 1] === CR ? nl - 1 : nl);

/** A block of the one line that spanned chunks (its `\r\n` may have been split between them). */
const oneLine = (line: Buffer): LineBlock => ({ bytes: line, starts: [0], ends: [endOfLine(line, 0, line.length)] });

/**
 * The complete lines of `chunk` from `from`, as blocks; an overlong one is yielded on its own.
 * @returns where the unterminated rest of the chunk starts
 */
function* splitChunk(chunk: Buffer, from: number): Generator<LineBlock | OverlongLine, number> {
  let starts: number[] = [];
  let ends: number[] = [];
  let start = from;
  for (;;) {
    const nl = chunk.indexOf(LF, start);
    if (nl === -1) break;
    if (nl - start > MAX_LINE_BYTES) {
      if (starts.length > 0) yield { bytes: chunk, starts, ends };
      starts = [];
      ends = [];
      yield new OverlongLine(chunk.toString('utf8', start, start + OVERLONG_HEAD_BYTES), nl - start);
    } else {
      starts.push(start);
      ends.push(endOfLine(chunk, start, nl));
    }
    start = nl + 1;
  }
  if (starts.length > 0) yield { bytes: chunk, starts, ends };
  return start;
}
