/**
 * What `alb-iceberg parse` reads and writes besides stdout: the input files (a directory stands for the log files
 * under it) and the --rejects file, checked before anything is read so that a mistake is a one-line message, never
 * a stack trace or a damaged input.
 */
import { constants, fstatSync, type Stats } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** An input: a file path, or '-' for stdin. */
export type Input = string;

/** A problem with the command line's files: reported in one line, exit code 1 (unreadable) or 2 (usage). */
export class InputProblem extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

const LOG_FILE = /\.log(\.gz)?$/;

/**
 * The files to read, in order: each FILE as given, each directory replaced by the `.log.gz` / `.log` files under it
 * (recursively, sorted by path). Throws InputProblem for a missing or unreadable argument or an empty directory.
 */
export async function expandInputs(args: readonly string[]): Promise<Input[]> {
  const out: Input[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push(arg);
      continue;
    }
    const info = await stat(arg).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error) throw new InputProblem(`cannot read '${arg}': ${reason(info)}`, 1);
    if (info.isDirectory()) {
      const files = await logFilesUnder(arg);
      if (files.length === 0) throw new InputProblem(`no .log.gz or .log file under the directory '${arg}'`, 1);
      out.push(...files);
    } else if (info.isFile()) {
      out.push(arg);
    } else {
      throw new InputProblem(`cannot read '${arg}': not a regular file`, 1);
    }
  }
  return out;
}

async function logFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && LOG_FILE.test(e.name))
    .map((e) => join(e.parentPath ?? dir, e.name))
    .sort();
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
};
const reason = (e: NodeJS.ErrnoException) => REASONS[e.code ?? ''] ?? e.message;

const sameFile = (a: Stats, b: Stats) => a.dev === b.dev && a.ino === b.ino;

/**
 * Opens the --rejects file after checking it is not an input (same device and inode, so a symlink, `./a` or a hard
 * link to an input is caught too), not a directory, in a directory that exists, and not an existing file unless
 * `force`. The file is created exclusively (O_EXCL) without `force`, so nothing can appear in between.
 */
export async function openRejectsFile(path: string, inputs: readonly Input[], force: boolean): Promise<FileHandle> {
  const existing = await stat(path).catch(() => undefined);
  if (existing) {
    if (existing.isDirectory()) throw new InputProblem(`--rejects '${path}' is a directory: give a file name`, 2);
    for (const input of inputs) {
      const info = input === '-' ? stdinStats() : await stat(input).catch(() => undefined);
      if (info && sameFile(info, existing)) {
        throw new InputProblem(`--rejects '${path}' is one of the input files: refusing to write over it`, 2);
      }
    }
    if (!force) {
      throw new InputProblem(
        `--rejects '${path}' exists: pass --force to overwrite it (FILE arguments come after the options)`,
        2,
      );
    }
  } else {
    const dir = dirname(resolve(path));
    const parent = await stat(dir).catch(() => undefined);
    if (!parent?.isDirectory()) throw new InputProblem(`--rejects '${path}': directory '${dir}' does not exist`, 2);
  }
  const flags = constants.O_WRONLY | constants.O_CREAT | (force ? constants.O_TRUNC : constants.O_EXCL);
  try {
    return await open(path, flags, 0o644);
  } catch (e) {
    throw new InputProblem(`cannot write --rejects '${path}': ${reason(e as NodeJS.ErrnoException)}`, 1);
  }
}

function stdinStats(): Stats | undefined {
  try {
    return fstatSync(0);
  } catch {
    return undefined;
  }
}
