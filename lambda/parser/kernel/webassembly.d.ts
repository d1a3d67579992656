/**
 * The part of the WebAssembly JavaScript API that line-kernel.ts uses. TypeScript declares it only in lib.dom,
 * which this Node.js project does not load. https://webassembly.github.io/spec/js-api/
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
  }
  interface Global {
    readonly value: unknown;
  }
}
