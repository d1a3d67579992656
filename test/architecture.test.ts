/**
 * The tree's structure, checked: no import cycles among the project's modules, no two exported classes (nor, in the
 * product, any two exported names) of one name,
 * handler code (lambda/) free of CDK and of the CLI and the stack (bin/, lib/), constructs (lib/) free of parsing
 * logic's I/O edges. Files are found by walking the directories, so a new module is checked without a list.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(__dirname, '..');
const SOURCE_DIRS = ['bin', 'lib', 'lambda', 'bench'];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'assembly') return [];
    if (statSync(path).isDirectory()) return walk(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const FILES = SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d)));
const rel = (file: string) => relative(ROOT, file);

/** Relative specifiers of `import … from`, `export … from` and `import('…')`, type-only ones included. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(pattern)) found.push((m[1] ?? m[2])!);
  return found;
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

const GRAPH = new Map<string, string[]>(
  FILES.map((f) => [
    f,
    specifiers(readFileSync(f, 'utf8'))
      .map((s) => resolveImport(f, s))
      .filter((r): r is string => r !== undefined),
  ]),
);

/** Every cycle, each as the path of files that closes it (depth-first search with an on-stack set). */
function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'active');
    stack.push(file);
    for (const next of GRAPH.get(file) ?? []) {
      if (state.get(next) === 'active') found.push([...stack.slice(stack.indexOf(next)), next].map(rel));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of FILES) if (!state.has(file)) visit(file);
  return found;
}

describe('architecture', () => {
  it('has no import cycles', () => {
    assert.deepEqual(
      cycles().map((c) => c.join(' -> ')),
      [],
    );
  });

  /** Product modules (lambda/, lib/, bin/) exporting each name: classes, interfaces, types, enums, functions, constants. */
  function exportedNames(pattern: RegExp): Map<string, string[]> {
    const byName = new Map<string, string[]>();
    for (const f of FILES.filter((file) => /^(lambda|lib|bin)\//.test(rel(file)))) {
      for (const m of readFileSync(f, 'utf8').matchAll(pattern)) {
        byName.set(m[1]!, [...(byName.get(m[1]!) ?? []), rel(f)]);
      }
    }
    return byName;
  }
  const duplicatesOf = (byName: Map<string, string[]>) =>
    [...byName].filter(([, files]) => files.length > 1).map(([n, files]) => `${n}: ${files.join(', ')}`);

  it('has no two exported classes of the same name', () => {
    assert.deepEqual(duplicatesOf(exportedNames(/^export (?:abstract )?class (\w+)/gm)), []);
  });

  it("has no two exported names alike in the product (except each Lambda entry point's `handler`)", () => {
    const byName = exportedNames(
      /^export (?:declare )?(?:abstract )?(?:class|interface|type|enum|const|let|function|async function) (\w+)/gm,
    );
    assert.ok(byName.size > 100, `exported names found: ${byName.size}`);
    assert.deepEqual((byName.get('handler') ?? []).sort(), ['lambda/check/handler.ts', 'lambda/ingest/handler.ts']);
    byName.delete('handler');
    assert.deepEqual(duplicatesOf(byName), []);
  });

  it('keeps handler code free of CDK, the stack and the CLI', () => {
    const problems: string[] = [];
    for (const f of FILES.filter((file) => rel(file).startsWith('lambda/'))) {
      const source = readFileSync(f, 'utf8');
      if (/from\s+['"](aws-cdk-lib|constructs)(\/[^'"]*)?['"]/.test(source)) problems.push(`${rel(f)} imports CDK`);
      for (const target of GRAPH.get(f) ?? []) {
        if (/^(bin|lib|bench|test)\//.test(rel(target))) problems.push(`${rel(f)} imports ${rel(target)}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('keeps the product (bin, lib, lambda) free of bench and test code', () => {
    const problems: string[] = [];
    for (const f of FILES.filter((file) => /^(bin|lib|lambda)\//.test(rel(file)))) {
      for (const target of GRAPH.get(f) ?? []) {
        if (/^(bench|test)\//.test(rel(target))) problems.push(`${rel(f)} imports ${rel(target)}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
