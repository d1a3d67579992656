/**
 * The shape every log type's schema module has (alb-access.ts, alb-connection.ts, alb-health-check.ts,
 * nlb-access.ts, clb-access.ts): the fields of a line in the order the load balancer writes them, the Iceberg columns
 * they fill, and the columns every table shares (extra fields and the row's exact origin). The reference parser
 * (lambda/parser/line-parser.ts), the Glue tables and saved queries (lib/) and the README's column tables all read a
 * {@link LogSchema}; nothing else defines a column.
 *
 * Rules for changing a schema (they protect existing tables and users' saved queries):
 * - Never renumber a field id or reuse one. A new column gets the next unused id of its table.
 * - Every column is optional (`required: false` in Iceberg): older log generations simply lack later fields.
 * - Column names are lower_snake_case: Firehose matches a record's JSON keys to column names exactly.
 */

/** Iceberg primitive types used by the tables (https://iceberg.apache.org/spec/#primitive-types). */
export type IcebergType = 'string' | 'int' | 'long' | 'double' | 'timestamp';

/** One column of an Iceberg table. */
export interface Column {
  /** Iceberg field id; pinned forever. */
  readonly id: number;
  /** Column name (lower_snake_case; also the JSON key Firehose matches). */
  readonly name: string;
  readonly type: IcebergType;
  /** Short documentation, also used as the Glue column comment. */
  readonly doc: string;
}

/**
 * How one space-separated log field becomes zero or more columns. In every decoder, `-` (quoted or not) means absent
 * and the key is omitted from the record.
 * - `string`: kept verbatim as written (`\x22` stays `\x22`; the quotes around a quoted field are not kept).
 * - `int` / `long`: a base-10 integer, else the line is rejected.
 * - `double`: a decimal number; `-1` is kept (ALB and CLB: the request could not be dispatched).
 * - `timestamp`: ISO-8601 UTC with `Z` (`2026-11-23T18:05:01.123456Z`), else the line is rejected.
 * - `timestamp_no_zone`: ISO-8601 written without a zone (NLB: `2018-12-20T02:59:40`); AWS states no zone, and every
 *   other ELB time is UTC, so it is read as UTC and sent with `Z`. A value that already ends in `Z` is accepted.
 * - `host_port`: `ip:port`, split at the last colon (IPv6 is written without brackets), into two columns.
 * - `request`: `VERB url PROTO`, split at the first and last space after trimming, into three columns.
 */
export type FieldDecoder =
  | 'string'
  | 'int'
  | 'long'
  | 'double'
  | 'timestamp'
  | 'timestamp_no_zone'
  | 'host_port'
  | 'request';

/** One position of the space-separated log line. */
export interface LogField {
  /** AWS's name for the field on the log type's documentation page. */
  readonly field: string;
  readonly decoder: FieldDecoder;
  /** The column(s) this field fills, in the order the decoder produces them. */
  readonly columns: readonly Column[];
}

/** The columns every table has after its log fields, in this order (their ids follow the table's last field id). */
export interface SharedColumns {
  /** Verbatim text after the last known field: AWS appended a field this schema does not know yet. */
  readonly extraFields: Column;
  readonly accountId: Column;
  readonly region: Column;
  /** The source object's identity within its account and Region (see each schema's doc). */
  readonly sourceFile: Column;
  readonly lineNumber: Column;
}

/** The log types, as configured (`logTypes`), in S3 keys' terms (log-key.ts) and as the `LogType` metric dimension. */
export type LogTypeId = 'alb-access' | 'alb-connection' | 'alb-health-check' | 'nlb-access' | 'clb-access';

/** One log type: its line format and its Iceberg table. */
export interface LogSchema {
  readonly id: LogTypeId;
  /** For people: `ALB access logs`. */
  readonly title: string;
  /** The Glue table name a deployment uses unless configured otherwise. */
  readonly defaultTableName: string;
  /** The fields of a line, in the order the load balancer writes them. AWS appends new fields at the end. */
  readonly fields: readonly LogField[];
  /**
   * Fewer fields than this cannot be a complete entry of any generation of the format: such a line is rejected
   * rather than half-parsed.
   */
  readonly minFields: number;
  /**
   * Whether a field that starts with `"` runs to the closing `"` (ALB, CLB, connection logs quote free text). NLB
   * quotes nothing, and its ALPN preference list is a bare token with quotes inside (`"h2","http/1.1"`), kept
   * verbatim: for it, every field ends at the next space.
   */
  readonly quotedFields: boolean;
  readonly shared: SharedColumns;
  /** Every column of the table, in field-id order. */
  readonly columns: readonly Column[];
  /** The timestamp column the table is partitioned on, with the `day` transform. */
  readonly partitionColumn: string;
  /**
   * The columns that identify one log line exactly (S3 notifications are at-least-once, so a file can be ingested
   * twice; its lines then repeat with the same identity): the dedup views partition on them.
   */
  readonly lineIdentity: readonly string[];
  /** Where AWS documents the format (cited in the Glue table's description and the README). */
  readonly docUrl: string;
}

export const col = (id: number, name: string, type: IcebergType, doc: string): Column => ({ id, name, type, doc });

/** A field that fills one column named like the field. */
export const one = (decoder: FieldDecoder, column: Column): LogField => ({
  field: column.name,
  decoder,
  columns: [column],
});

/**
 * The shared columns, numbered from `firstId`.
 * @param sourceFileDoc what `source_file` holds for this log type (how it names exactly one S3 object)
 */
export function sharedColumns(firstId: number, sourceFileDoc: string): SharedColumns {
  return {
    extraFields: col(
      firstId,
      'extra_fields',
      'string',
      'Verbatim text of fields after the last known one (AWS appended a field this schema does not know yet).',
    ),
    accountId: col(firstId + 1, 'account_id', 'string', 'AWS account id, from the S3 key.'),
    region: col(firstId + 2, 'region', 'string', 'AWS region, from the S3 key.'),
    sourceFile: col(firstId + 3, 'source_file', 'string', sourceFileDoc),
    lineNumber: col(firstId + 4, 'line_number', 'int', '1-based line number in the source object.'),
  };
}

/** Builds a schema from its fields: the columns are the fields' columns, then the shared ones. */
export function logSchema(
  spec: Omit<LogSchema, 'shared' | 'columns' | 'lineIdentity'> & {
    readonly sourceFileDoc: string;
    /** Columns of the line that identify its object beside source_file (ALB access: `elb`). Default none. */
    readonly objectColumns?: readonly string[];
  },
): LogSchema {
  const { sourceFileDoc, objectColumns = [], ...rest } = spec;
  const fieldColumns = spec.fields.flatMap((f) => f.columns);
  const lastId = Math.max(...fieldColumns.map((c) => c.id));
  const shared = sharedColumns(lastId + 1, sourceFileDoc);
  return {
    ...rest,
    shared,
    lineIdentity: [
      shared.accountId.name,
      shared.region.name,
      ...objectColumns,
      shared.sourceFile.name,
      shared.lineNumber.name,
    ],
    columns: [
      ...fieldColumns,
      shared.extraFields,
      shared.accountId,
      shared.region,
      shared.sourceFile,
      shared.lineNumber,
    ],
  };
}
