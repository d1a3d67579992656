import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileKernel, GENERATED_MODULE, generatedModuleText } from '../../../lambda/parser/kernel/build';
import { KERNEL_WASM_BASE64 } from '../../../lambda/parser/kernel/kernel-wasm.generated';

describe('line kernel module', () => {
  it('is exactly what its committed source compiles to (run `npm run build:kernel` after editing it)', () => {
    // Act
    const wasm = compileKernel();
    // Assess: the bytes, and the generated file as a whole
    assert.ok(wasm.equals(Buffer.from(KERNEL_WASM_BASE64, 'base64')), 'kernel-wasm.generated.ts is stale');
    assert.equal(readFileSync(GENERATED_MODULE, 'utf8'), generatedModuleText(wasm));
  });
});
