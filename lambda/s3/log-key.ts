/**
 * Recognises ELB log objects by their S3 key (never by their first line: a health-check line starts like an ALB
 * access line, a connection line like a Classic one), and extracts the file-level metadata every row carries.
 *
 * Legacy delivery writes every type under one dated prefix, and the file name decides the type:
 *   [prefix/]AWSLogs/<account>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/<file>
 *   ALB access      <account>_elasticloadbalancing_<region>_app.<lb-name>.<lb-id>_<end-time>_<node-ip>_<random>.log.gz
 *   ALB connection  conn_log_ + the ALB access name
 *   ALB health      health_check_log_ + the ALB access name
 *   NLB access      <account>_elasticloadbalancing_<region>_net.<lb-name>.<lb-id>_<end-time>_<random>.log.gz (no IP)
 *   Classic access  <account>_elasticloadbalancing_<region>_<lb-name>_<end-time>_<node-ip>_<random>.log (plain text)
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html,
 * …/load-balancer-connection-logs.html, …/load-balancer-health-check-logs.html,
 * …/network/load-balancer-access-logs.html, …/classic/access-log-collection.html.
 * Some renderings of the connection-log page print `conn_log.`; real keys use `conn_log_`: both are accepted.
 * Classic names have no `app.`/`net.` marker and cannot contain `.`, so the markers are unambiguous.
 *
 * AWS's newer delivery through CloudWatch (JSON, Parquet or plain files, 2025–) can write to the same prefix; its
 * object names are not documented, only the start of its keys: the Hive-compatible form
 * `AWSLogs/aws-account-id=<account>/elasticloadbalancing/region=<region>/…` is recognised (as are `.parquet` names);
 * any other name that matches no legacy pattern is `not-an-elb-log`. Both are skipped, counted, never parsed as
 * legacy lines. https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-V2-S3.html
 */
import type { LogTypeId } from '../schema/types';

/** What an object in an ELB log bucket is. The first five are log types (`logType` set); the rest are skipped. */
export type LogObjectKind =
  | 'alb-access-log'
  | 'alb-connection-log'
  | 'alb-health-check-log'
  | 'nlb-log'
  | 'classic-elb-log'
  | 'elb-test-file'
  | 'cloudwatch-delivery'
  | 'not-an-elb-log';

export interface LogObjectKey {
  readonly kind: LogObjectKind;
  /** The log type whose table the object's lines go to; absent for objects that are not legacy ELB log files. */
  readonly logType?: LogTypeId;
  /** AWS account id from the file name, when the key follows the ELB layout. */
  readonly accountId?: string;
  /** AWS region from the file name, when the key follows the ELB layout. */
  readonly region?: string;
  /** Load balancer as in its table's `elb`/`elb_name` column (`app/<name>/<id>`, `net/<name>/<id>`, `<name>`). */
  readonly loadBalancer?: string;
  /**
   * The row-level file identity (column `source_file`), which with `account_id` and `region` (and, for ALB access
   * logs, `elb`) names exactly one S3 object (see {@link logObjectKeyFor}): for ALB access logs
   * `<end-time>_<ip-address>_<random-string>`, for the other types the file name after
   * `[conn_log_|health_check_log_]<account>_elasticloadbalancing_<region>_`; for other keys, the file name without
   * `.log`/`.gz`.
   */
  readonly sourceFile: string;
}

/** The object-name suffix each log type's files end with: the bucket notifications and the backfill filter on it. */
export const LOG_FILE_SUFFIX: Readonly<Record<LogTypeId, string>> = {
  'alb-access': '.log.gz',
  'alb-connection': '.log.gz',
  'alb-health-check': '.log.gz',
  'nlb-access': '.log.gz',
  'clb-access': '.log',
};

const KIND_OF_TYPE: Readonly<Record<LogTypeId, LogObjectKind>> = {
  'alb-access': 'alb-access-log',
  'alb-connection': 'alb-connection-log',
  'alb-health-check': 'alb-health-check-log',
  'nlb-access': 'nlb-log',
  'clb-access': 'classic-elb-log',
};

/** `<account>_elasticloadbalancing_<region>_`: the start of every legacy name after the type prefix. */
const ELB_NAME = '(\\d{12})_elasticloadbalancing_([a-z0-9-]+)_';
/** The ALB access-log name after ELB_NAME (also the body of connection and health-check names). */
const ALB_REST = 'app\\.([^._]+)\\.([^._]+)_(\\d{8}T\\d{4}Z)_([^_]+)_([^_.]+)\\.log(?:\\.gz)?$';
const ALB_ACCESS_FILE = new RegExp(`^${ELB_NAME}${ALB_REST}`);
const ALB_CONNECTION_FILE = new RegExp(`^conn_log[_.]${ELB_NAME}${ALB_REST}`);
const ALB_HEALTH_CHECK_FILE = new RegExp(`^health_check_log_${ELB_NAME}${ALB_REST}`);
const NLB_FILE = new RegExp(
  `^${ELB_NAME}net\\.([A-Za-z0-9-]+)\\.([0-9A-Za-z]+)_(\\d{8}T\\d{4}Z)_([A-Za-z0-9]+)\\.log\\.gz$`,
);
const CLB_FILE = new RegExp(
  `^${ELB_NAME}([A-Za-z0-9-]+)_(\\d{8}T\\d{4}Z)_([0-9A-Fa-f.:]+)_([A-Za-z0-9]+)\\.log(?:\\.gz)?$`,
);
/** The Hive-compatible key of CloudWatch delivery (documented); legacy delivery never writes `=` in its folders. */
const CLOUDWATCH_KEY = /(?:^|\/)AWSLogs\/aws-account-id=\d{12}\//;

/** Classifies an S3 key (already URL-decoded) and extracts its metadata. Never throws. */
export function describeLogKey(key: string): LogObjectKey {
  const file = key.slice(key.lastIndexOf('/') + 1);
  const plainName = file.replace(/\.gz$/, '').replace(/\.log$/, '');
  if (file === 'ELBAccessLogTestFile') return { kind: 'elb-test-file', sourceFile: plainName };
  if (CLOUDWATCH_KEY.test(key) || /\.parquet$/i.test(file))
    return { kind: 'cloudwatch-delivery', sourceFile: plainName };

  const access = ALB_ACCESS_FILE.exec(file);
  if (access) {
    const [, accountId, region, lbName, lbId, endTime, ip, random] = access as unknown as string[];
    return {
      kind: 'alb-access-log',
      logType: 'alb-access',
      accountId,
      region,
      loadBalancer: `app/${lbName}/${lbId}`,
      sourceFile: `${endTime}_${ip}_${random}`,
    };
  }
  for (const [logType, pattern, prefixLength] of ALB_FAMILY) {
    const m = pattern.exec(file);
    if (m) return described(logType, m, `app/${m[3]}/${m[4]}`, file.slice(prefixLength));
  }
  const nlb = NLB_FILE.exec(file);
  if (nlb) return described('nlb-access', nlb, `net/${nlb[3]}/${nlb[4]}`, file);
  const clb = CLB_FILE.exec(file);
  if (clb) return described('clb-access', clb, clb[3]!, file);
  return { kind: 'not-an-elb-log', sourceFile: plainName };
}

/** Connection and health-check names: the pattern, and the length of the type prefix before the ELB name. */
const ALB_FAMILY: readonly (readonly [LogTypeId, RegExp, number])[] = [
  ['alb-connection', ALB_CONNECTION_FILE, 'conn_log_'.length],
  ['alb-health-check', ALB_HEALTH_CHECK_FILE, 'health_check_log_'.length],
];

/** A legacy file of a type other than ALB access: `source_file` is its name after the ELB part, without extension. */
function described(logType: LogTypeId, m: RegExpExecArray, loadBalancer: string, name: string): LogObjectKey {
  const [, accountId, region] = m as unknown as string[];
  const afterElb = name.slice(`${accountId}_elasticloadbalancing_${region}_`.length);
  return {
    kind: KIND_OF_TYPE[logType],
    logType,
    accountId,
    region,
    loadBalancer,
    sourceFile: afterElb.replace(/\.gz$/, '').replace(/\.log$/, ''),
  };
}

/**
 * The S3 key of the access-log object a row came from, rebuilt from its columns. The date folders are the delivery
 * date, which is the UTC date of the file's end time.
 * @param prefix the log prefix configured on the load balancer ('' for none)
 */
export function accessLogKeyFor(row: {
  prefix: string;
  account_id: string;
  region: string;
  elb: string;
  source_file: string;
}): string {
  const [, name, id] = row.elb.split('/');
  return logObjectKeyFor('alb-access', { ...row, source_file: `app.${name}.${id}_${row.source_file}` });
}

const TYPE_PREFIX: Readonly<Record<LogTypeId, string>> = {
  'alb-access': '',
  'alb-connection': 'conn_log_',
  'alb-health-check': 'health_check_log_',
  'nlb-access': '',
  'clb-access': '',
};

/**
 * The S3 key of the object a row of a log type came from, rebuilt from its `account_id`, `region` and
 * `source_file` (for ALB access logs, whose `source_file` omits the load balancer, use {@link accessLogKeyFor}, or
 * pass `app.<name>.<id>_<source_file>`). The date folders are the UTC date of the file's end time.
 * @param row.prefix the log prefix configured on the load balancer ('' for none)
 */
export function logObjectKeyFor(
  logType: LogTypeId,
  row: { prefix: string; account_id: string; region: string; source_file: string },
): string {
  const end = /_(\d{4})(\d{2})(\d{2})T\d{4}Z_/.exec(row.source_file);
  const day = end ? `${end[1]}/${end[2]}/${end[3]}` : 'unknown-date';
  const base = row.prefix ? `${row.prefix.replace(/\/+$/, '')}/` : '';
  return (
    `${base}AWSLogs/${row.account_id}/elasticloadbalancing/${row.region}/${day}/` +
    `${TYPE_PREFIX[logType]}${row.account_id}_elasticloadbalancing_${row.region}_${row.source_file}${LOG_FILE_SUFFIX[logType]}`
  );
}

/** S3 event notifications URL-encode keys, with `+` for spaces. */
export function decodeEventKey(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}
