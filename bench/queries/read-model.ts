/**
 * The bytes a query must read from a layout, as a planner that uses Iceberg's file statistics and Parquet's row
 * group statistics reads them (Athena's Trino does both): a file whose `time` bounds (Iceberg's manifest keeps each
 * file's column bounds) miss a window of the query is not opened; an opened file costs its footer; a row group whose
 * statistics miss a window is skipped; a row group kept costs the column chunks of the columns the query uses.
 * Pure: layouts are read by bench/queries/layouts.ts.
 */

/** One row group: its rows, its column chunks' compressed bytes, and its pruning columns' [min, max]. */
export interface RowGroup {
  readonly index: number;
  readonly rows: number;
  /** The file row number of its first row. */
  readonly firstRow: number;
  readonly columnBytes: Map<string, number>;
  /** Its column chunks' bytes before compression (encoded): what Iceberg's writer counts against the row group size. */
  uncompressedBytes: number;
  /** Epoch-millisecond [min, max] of timestamp columns. */
  readonly bounds: Map<string, readonly [number, number]>;
  /** [min, max] of text columns. */
  readonly textBounds: Map<string, readonly [string, string]>;
}

export interface ParquetFile {
  readonly path: string;
  readonly sizeBytes: number;
  /** The footer (file metadata) and its 8-byte trailer: read for every file a query opens. */
  readonly footerBytes: number;
  readonly rowGroups: RowGroup[];
}

export interface Layout {
  readonly name: string;
  /** The directory holding its files. */
  readonly dir: string;
  readonly files: readonly ParquetFile[];
}

/** A filter statistics can answer: `from <= column < to` (epoch ms; ±Infinity for no bound), or `column = value`. */
export type Window =
  | { readonly column: string; readonly from: number; readonly to: number }
  | { readonly column: string; readonly equals: string };

/** What a query reads from a layout. */
export interface Reading {
  readonly bytes: number;
  readonly filesOpened: number;
  readonly rowGroupsRead: number;
  readonly rowGroupsTotal: number;
  /** The row groups read, as (file, first row, rows). */
  readonly kept: readonly { readonly path: string; readonly firstRow: number; readonly rows: number }[];
}

/** Whether a [min, max] can hold a row of the window; a column without statistics can. */
function mayMatch(group: Pick<RowGroup, 'bounds' | 'textBounds'>, w: Window): boolean {
  if ('equals' in w) {
    const b = group.textBounds.get(w.column);
    return !b || (b[0] <= w.equals && w.equals <= b[1]);
  }
  const b = group.bounds.get(w.column);
  return !b || (b[1] >= w.from && b[0] < w.to);
}

/** The [min, max] of each pruning column over a file's row groups: what Iceberg's manifest records for the file. */
function fileBounds(file: ParquetFile): Pick<RowGroup, 'bounds' | 'textBounds'> {
  const bounds = new Map<string, [number, number]>();
  const textBounds = new Map<string, [string, string]>();
  for (const g of file.rowGroups) {
    for (const [column, [min, max]] of g.bounds) {
      const b = bounds.get(column);
      bounds.set(column, b ? [Math.min(b[0], min), Math.max(b[1], max)] : [min, max]);
    }
    for (const [column, [min, max]] of g.textBounds) {
      const b = textBounds.get(column);
      textBounds.set(column, b ? [b[0] < min ? b[0] : min, b[1] > max ? b[1] : max] : [min, max]);
    }
  }
  return { bounds, textBounds };
}

/** The bytes a query using `columns`, filtered by all of `windows`, reads from `layout`. */
export function bytesRead(layout: Layout, columns: readonly string[], windows: readonly Window[]): Reading {
  let bytes = 0;
  let filesOpened = 0;
  let rowGroupsRead = 0;
  let rowGroupsTotal = 0;
  const kept: { path: string; firstRow: number; rows: number }[] = [];
  for (const file of layout.files) {
    rowGroupsTotal += file.rowGroups.length;
    const bounds = fileBounds(file);
    if (!windows.every((w) => mayMatch(bounds, w))) continue;
    filesOpened++;
    bytes += file.footerBytes;
    for (const group of file.rowGroups) {
      if (!windows.every((w) => mayMatch(group, w))) continue;
      rowGroupsRead++;
      kept.push({ path: file.path, firstRow: group.firstRow, rows: group.rows });
      for (const column of columns) {
        const chunk = group.columnBytes.get(column);
        if (chunk === undefined) throw new Error(`${file.path} has no column ${column}`);
        bytes += chunk;
      }
    }
  }
  return { bytes, filesOpened, rowGroupsRead, rowGroupsTotal, kept };
}

/**
 * Athena's bill for a query reading `bytes`: rounded up to the megabyte, 10 MB at least (taken as MiB).
 * https://aws.amazon.com/athena/pricing/
 */
export function athenaBilledBytes(bytes: number): number {
  const MB = 1024 * 1024;
  return Math.max(10 * MB, Math.ceil(bytes / MB) * MB);
}
