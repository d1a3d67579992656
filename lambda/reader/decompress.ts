/**
 * Streams an object's bytes, gunzipping when the body starts with the gzip magic bytes (1f 8b) whatever its name:
 * log objects are normally gzipped, the ELB test file and hand-made files are plain text. A body that starts with
 * another compressor's magic bytes (zstd, bzip2, xz, zip, lz4, snappy, 7z) is not a log ELB wrote: it is refused
 * with {@link UnreadableObjectError} before a byte is yielded, instead of being read as junk text.
 *
 * Gzip is decoded member by member (RFC 1952: a file may be several members concatenated; some decoders silently
 * stop after the first), each member's deflate data by its own raw inflater, so that damage never costs the bytes
 * decoded before it: every byte the inflater produced is yielded first, then {@link DamagedObjectError} says what
 * broke and where. Like `gzip -dc`: trailing zero bytes after the last member are padding and ignored; other
 * trailing bytes, a truncated member and a corrupt member are damage. The one loss zlib imposes: on corrupt deflate
 * data, the output of the failing inflate call (at most one {@link GZIP_CHUNK}) is not handed back.
 */
import { constants, crc32, createInflateRaw, type InflateRaw } from 'node:zlib';

/** Byte counters filled while the stream is consumed. */
export interface ByteCounters {
  /** Bytes read from the source (compressed size for gzip). */
  compressedBytes: number;
  /** Bytes after decompression. */
  rawBytes: number;
}

/** What went wrong in a gzip object, after every byte decoded before it was yielded. */
export type GzipDamage =
  /** Bytes after a complete member that are neither a gzip header nor zero padding. */
  | 'trailing-garbage'
  /** A member's header, deflate data or CRC-32/length trailer is invalid. */
  | 'corrupt-member'
  /** The object ends inside a member. */
  | 'truncated';

/** A gzip object is damaged; everything decoded before the damage has been yielded. */
export class DamagedObjectError extends Error {
  override readonly name = 'DamagedObjectError';
  constructor(
    readonly kind: GzipDamage,
    /** Compressed bytes read before the damage (its offset in the object). */
    readonly afterBytes: number,
    /** Whether the damage cut the last line short (its end was never decoded). */
    readonly cutsLastLine: boolean,
    /** For trailing garbage: its first bytes, printable ASCII kept and the rest as `\xNN`. */
    readonly preview: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** The object is not text and not gzip: another compressor's output. Nothing was yielded. */
export class UnreadableObjectError extends Error {
  override readonly name = 'UnreadableObjectError';
  constructor(readonly format: string) {
    super(`${format}-compressed, not gzip: ALB writes gzip, so this object was not written by ELB`);
  }
}

/** Magic bytes of compressed formats that are not gzip (each format's specification). */
const OTHER_COMPRESSION: readonly (readonly [string, readonly number[]])[] = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]], // "BZh", then the block size digit, checked below
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['snappy', [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]], // framing format stream identifier
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
];
const MAGIC_BYTES = 10;

/** The name of the compressor whose magic bytes start `head`, if any. */
export function otherCompression(head: Uint8Array): string | undefined {
  for (const [name, magic] of OTHER_COMPRESSION) {
    if (head.length < magic.length || !magic.every((b, i) => head[i] === b)) continue;
    if (name === 'bzip2' && !(head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39)) continue;
    return name;
  }
  return undefined;
}

/** Output buffer of one inflate call; also the most the reader holds decoded before it is consumed. */
const GZIP_CHUNK = 64 * 1024;

export async function* decompressed(
  source: AsyncIterable<Uint8Array>,
  counters: ByteCounters,
): AsyncGenerator<Uint8Array> {
  const input = new ByteInput(source, counters);
  await input.fill(MAGIC_BYTES);
  const head = input.peek();
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    yield* gunzip(input, counters);
    return;
  }
  const other = otherCompression(head);
  if (other) throw new UnreadableObjectError(other);
  for (;;) {
    const chunk = await input.next();
    if (!chunk) return;
    counters.rawBytes += chunk.length;
    yield chunk;
  }
}

/** The source with a small look-ahead buffer (headers, trailers, bytes a member did not consume). */
class ByteInput {
  private readonly it: AsyncIterator<Uint8Array>;
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;
  /** Bytes handed out by next() or take(), i.e. the offset of what comes next. */
  offset = 0;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly counters: ByteCounters,
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Reads until at least `n` bytes are buffered or the source ends; @returns whether `n` bytes are there. */
  async fill(n: number): Promise<boolean> {
    while (this.pending.length < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      this.counters.compressedBytes += r.value.length;
      const bytes = Buffer.isBuffer(r.value)
        ? r.value
        : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.length);
      this.pending = this.pending.length === 0 ? bytes : Buffer.concat([this.pending, bytes]);
    }
    return this.pending.length >= n;
  }

  peek(): Buffer {
    return this.pending;
  }

  take(n: number): Buffer {
    const out = this.pending.subarray(0, n);
    this.pending = this.pending.subarray(n);
    this.offset += out.length;
    return out;
  }

  /** The buffered bytes, else the next source chunk; undefined at the end. */
  async next(): Promise<Buffer | undefined> {
    if (this.pending.length === 0 && !(await this.fill(1))) return undefined;
    return this.take(this.pending.length);
  }

  /** Gives back bytes taken but not used (what a member's inflater did not consume). */
  unshift(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending = this.pending.length === 0 ? bytes : Buffer.concat([bytes, this.pending]);
    this.offset -= bytes.length;
  }
}

async function* gunzip(input: ByteInput, counters: ByteCounters): AsyncGenerator<Buffer> {
  for (let member = 1; ; member++) {
    const start = input.offset;
    if (member > 1) {
      if (!(await input.fill(1))) return;
      const next = input.peek();
      if (next[0] === 0) {
        if (await onlyZeros(input)) return;
      } else if (!(next[0] === 0x1f && (!(await input.fill(2)) || input.peek()[1] === 0x8b))) {
        throw new DamagedObjectError(
          'trailing-garbage',
          start,
          false,
          preview(input.peek()),
          `bytes after gzip member ${member - 1} (from compressed byte ${start}) are not a gzip member; ` +
            'every line before them was read (gzip -dc also ignores them, with a warning)',
        );
      }
    }
    const headerLength = await readHeader(input);
    if (typeof headerLength === 'string') {
      const truncated = headerLength === 'truncated';
      throw new DamagedObjectError(
        truncated ? 'truncated' : 'corrupt-member',
        start,
        false,
        '',
        `gzip member ${member} (at compressed byte ${start}): ${truncated ? 'the object ends inside its header' : headerLength}`,
      );
    }
    input.take(headerLength);
    const { crc, size, complete } = yield* inflateMember(input, counters, member);
    if (!complete) {
      throw new DamagedObjectError(
        'truncated',
        input.offset,
        true,
        '',
        `unexpected end of file: the object ends inside gzip member ${member}, after ${input.offset} compressed bytes`,
      );
    }
    if (!(await input.fill(8))) {
      throw new DamagedObjectError(
        'truncated',
        input.offset,
        false,
        '',
        `the object ends inside the trailer of gzip member ${member}, after ${input.offset + input.peek().length} compressed bytes`,
      );
    }
    const trailer = input.take(8);
    if (trailer.readUInt32LE(0) !== crc || trailer.readUInt32LE(4) !== size) {
      throw new DamagedObjectError(
        'corrupt-member',
        input.offset - 8,
        false,
        '',
        `gzip member ${member} fails its CRC-32/length check: the lines decoded from it may be wrong`,
      );
    }
  }
}

/** Consumes the rest of the input if it is all zero bytes (padding); @returns false at the first other byte. */
async function onlyZeros(input: ByteInput): Promise<boolean> {
  for (;;) {
    const bytes = input.peek();
    const other = bytes.findIndex((b) => b !== 0);
    if (other !== -1) {
      input.take(other);
      return false;
    }
    input.take(bytes.length);
    if (!(await input.fill(1))) return true;
  }
}

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** RFC 1952 §2.3: @returns the header's length, 'truncated', or what is wrong with it. */
async function readHeader(input: ByteInput): Promise<number | string> {
  if (!(await input.fill(10))) return 'truncated';
  let h = input.peek();
  if (h[2] !== 8) return `unknown compression method ${h[2]}`;
  const flags = h[3]!;
  if (flags & 0xe0) return 'reserved header flags set';
  let at = 10;
  if (flags & FEXTRA) {
    if (!(await input.fill(at + 2))) return 'truncated';
    h = input.peek();
    at += 2 + h.readUInt16LE(at);
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    for (;;) {
      if (!(await input.fill(at + 1))) return 'truncated';
      h = input.peek();
      const zero = h.indexOf(0, at);
      if (zero !== -1) {
        at = zero + 1;
        break;
      }
      if (!(await input.fill(h.length + 1))) return 'truncated';
    }
  }
  if (flags & FHCRC) at += 2;
  return (await input.fill(at)) ? at : 'truncated';
}

/**
 * Inflates one member's deflate data, yielding every byte produced; leaves the input just after the deflate data.
 * @returns the CRC-32 and length (mod 2^32) of the output, and whether the deflate data ended properly
 */
async function* inflateMember(
  input: ByteInput,
  counters: ByteCounters,
  member: number,
): AsyncGenerator<Buffer, { crc: number; size: number; complete: boolean }> {
  // Z_SYNC_FLUSH at the end: input that stops early ends the stream instead of failing it, so nothing is withheld.
  const inflater = createInflateRaw({ chunkSize: GZIP_CHUNK, finishFlush: constants.Z_SYNC_FLUSH });
  const feed = new InflaterFeed(inflater);
  const dataStart = input.offset;
  let written = 0;
  let crc = 0;
  let size = 0;
  try {
    for (;;) {
      const chunk = await input.next();
      if (chunk) {
        written += chunk.length;
        feed.write(chunk);
      } else {
        inflater.end();
      }
      // Until the inflater wants more input, has ended (the deflate data is complete) or has failed.
      for (;;) {
        for (let out = feed.take(); out; out = feed.take()) {
          crc = crc32(out, crc);
          size = (size + out.length) >>> 0;
          counters.rawBytes += out.length;
          yield out;
        }
        if (feed.error) {
          const at = dataStart + inflater.bytesWritten;
          throw new DamagedObjectError(
            'corrupt-member',
            at,
            true,
            '',
            `gzip member ${member} is corrupt after compressed byte ${at}: ${feed.error.message}`,
          );
        }
        if (feed.ended) break;
        if (chunk && feed.written && inflater.bytesWritten === written) break;
        await feed.wait();
      }
      if (feed.ended) {
        // Give back what follows the deflate data (the trailer, further members).
        if (chunk) input.unshift(chunk.subarray(chunk.length - (written - inflater.bytesWritten)));
        // At the end of the input, ending is what Z_SYNC_FLUSH does to cut data too: the member is incomplete.
        return { crc, size, complete: chunk !== undefined };
      }
    }
  } finally {
    inflater.destroy();
  }
}

/** The inflater's events as state a loop can poll: output chunks queued (with back-pressure), the write settled. */
class InflaterFeed {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private wake: (() => void) | undefined;
  error: Error | undefined;
  ended = false;
  written = true;

  constructor(private readonly inflater: InflateRaw) {
    inflater.on('data', (out: Buffer) => {
      this.queue.push(out);
      this.queued += out.length;
      // A decompression bomb must not fill memory: stop the inflater until the reader catches up.
      if (this.queued >= 4 * GZIP_CHUNK) inflater.pause();
      this.signal();
    });
    inflater.on('end', () => {
      this.ended = true;
      this.signal();
    });
    inflater.on('error', (e: Error) => {
      this.error = e;
      this.signal();
    });
  }

  write(chunk: Buffer): void {
    this.written = false;
    this.inflater.write(chunk, () => {
      this.written = true;
      this.signal();
    });
  }

  take(): Buffer | undefined {
    const out = this.queue.shift();
    if (out) {
      this.queued -= out.length;
      if (this.queued < GZIP_CHUNK && this.inflater.isPaused()) this.inflater.resume();
    }
    return out;
  }

  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Up to 32 bytes as text: printable ASCII kept, the rest as `\xNN`. */
function preview(bytes: Buffer): string {
  let out = '';
  for (const b of bytes.subarray(0, 32))
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}
