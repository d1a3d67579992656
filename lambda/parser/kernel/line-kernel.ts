/**
 * The host side of the WebAssembly line kernel (assembly/encode-lines.ts): instantiates it once per process,
 * configures it from the ALB access-log schema (lambda/schema/alb-access.ts, the single source of column names and decoders), and
 * runs batches of lines through it. Synchronous, so one instance serves every encoder in the process.
 */
import { ALB_ACCESS } from '../../schema/alb-access';
import type { FieldDecoder } from '../../schema/types';
import { recordKeysOf } from '../record-keys';
import { KERNEL_WASM_BASE64 } from './kernel-wasm.generated';

/** The one log type the kernel encodes: ALB access logs. Every other type takes the reference parser alone. */
const SCHEMA = ALB_ACCESS;
const { start: RECORD_START, extra: EXTRA_KEY, fields: FIELD_KEYS } = recordKeysOf(SCHEMA);

/** The kernel's numbers for the decoders it implements (assembly/encode-lines.ts has the same table). */
const DECODER_CODES: Partial<Record<FieldDecoder, number>> = {
  string: 0,
  int: 1,
  long: 2,
  double: 3,
  timestamp: 4,
  host_port: 5,
  request: 6,
};

/** What the kernel reports for a line in its results table. */
export const LineStatus = { ENCODED: 0, ENCODED_WITH_EXTRA_FIELDS: 1, FALLBACK: -1 } as const;

/**
 * The most bytes a record can have beyond twice its line (every byte escaped) and its file suffix: the keys,
 * two quotes per value, the line number. The host sizes the kernel's output region with it.
 */
export const RECORD_OVERHEAD_BYTES =
  RECORD_START.length + 10 + EXTRA_KEY.length + 2 + FIELD_KEYS.flat().reduce((n, k) => n + k.length + 2, 0);

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly MAX_FIELDS: WebAssembly.Global;
  readonly KEY_BYTES: WebAssembly.Global;
  keysPointer(): number;
  defineField(index: number, decoder: number, ...keys: number[]): void;
  configure(
    fields: number,
    minFields: number,
    start: number,
    startLength: number,
    extra: number,
    extraLength: number,
  ): void;
  reserve(suffixBytes: number, inputBytes: number, lines: number, outputBytes: number): void;
  suffixPointer(): number;
  inputPointer(): number;
  linesPointer(): number;
  resultsPointer(): number;
  outputPointer(): number;
  encode(lineCount: number, suffixLength: number): number;
}

/** One batch's answers, valid until the next call into the kernel. */
export interface KernelResults {
  /** The records, one after another (a copy: never rewritten). */
  readonly output: Uint8Array;
  /** Per line: end of its record in `output` (a fallback line ends where the previous record ended), then status. */
  readonly results: Int32Array;
}

export class LineKernel {
  private static instance: LineKernel | undefined;

  /** The process-wide kernel, compiled and configured on first use. */
  static shared(): LineKernel {
    LineKernel.instance ??= new LineKernel();
    return LineKernel.instance;
  }

  private readonly kernel: KernelExports;

  private constructor() {
    const module = new WebAssembly.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64'));
    this.kernel = new WebAssembly.Instance(module, { env: { abort: kernelAbort } }).exports as unknown as KernelExports;
    this.configure();
  }

  /**
   * Encodes lines `[from, to)` of `spans`, all inside `bytes`. `inputStart`/`inputEnd` bound their bytes (the
   * batch's input is copied into the kernel once) and `outputBytes` bounds the records the kernel may write.
   */
  encode(
    bytes: Uint8Array,
    spans: { readonly start: Int32Array; readonly end: Int32Array; readonly number: Int32Array },
    from: number,
    to: number,
    inputStart: number,
    inputEnd: number,
    outputBytes: number,
    suffix: Uint8Array,
  ): KernelResults {
    const k = this.kernel;
    const lines = to - from;
    try {
      k.reserve(suffix.length, inputEnd - inputStart, lines, outputBytes);
    } catch (cause) {
      // The kernel traps when its memory cannot grow: say what it was asked for.
      const asked = `${lines} lines, ${inputEnd - inputStart} bytes in, up to ${outputBytes} bytes out`;
      throw new Error(`the line kernel could not grow its memory for a batch of ${asked}`, { cause });
    }
    const heap = k.memory.buffer;
    new Uint8Array(heap, k.suffixPointer(), suffix.length).set(suffix);
    new Uint8Array(heap, k.inputPointer(), inputEnd - inputStart).set(bytes.subarray(inputStart, inputEnd));
    const table = new Int32Array(heap, k.linesPointer(), 3 * lines);
    for (let i = 0; i < lines; i++) {
      table[3 * i] = spans.start[from + i]! - inputStart;
      table[3 * i + 1] = spans.end[from + i]! - inputStart;
      table[3 * i + 2] = spans.number[from + i]!;
    }
    const written = k.encode(lines, suffix.length);
    return {
      output: new Uint8Array(heap, k.outputPointer(), written).slice(),
      results: new Int32Array(heap, k.resultsPointer(), 2 * lines),
    };
  }

  /** Writes the schema's keys and decoders into the kernel. */
  private configure(): void {
    const k = this.kernel;
    const maxFields = k.MAX_FIELDS.value as number;
    const { fields: logFields, minFields } = SCHEMA;
    if (logFields.length > maxFields) {
      throw new Error(`the schema has ${logFields.length} log fields; the line kernel takes at most ${maxFields}`);
    }
    const blob: number[] = [];
    const add = (text: string): [number, number] => {
      const at = blob.length;
      const bytes = Buffer.from(text, 'utf8');
      blob.push(...bytes);
      return [at, bytes.length];
    };
    const start = add(RECORD_START);
    const extra = add(EXTRA_KEY);
    const fields = FIELD_KEYS.map((keys) => keys.map(add));
    const keyBytes = k.KEY_BYTES.value as number;
    if (blob.length > keyBytes)
      throw new Error(`the schema's JSON keys take ${blob.length} bytes; the kernel has ${keyBytes}`);
    new Uint8Array(k.memory.buffer, k.keysPointer(), blob.length).set(blob);
    logFields.forEach((field, i) => {
      const keys = fields[i]!.flat();
      while (keys.length < 6) keys.push(0, 0);
      const code = DECODER_CODES[field.decoder];
      if (code === undefined) throw new Error(`the line kernel has no decoder ${field.decoder} (field ${field.field})`);
      k.defineField(i, code, ...keys);
    });
    k.configure(logFields.length, minFields, ...start, ...extra);
  }
}

/** AssemblyScript's abort import; the kernel is built without assertions, so only a bug could call it. */
function kernelAbort(): never {
  throw new Error('line kernel aborted');
}
