/**
 * Recognises ALB access-log objects by their S3 key, and extracts the file-level metadata every row carries.
 * Key layout: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 *   [prefix/]AWSLogs/<account>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/
 *   <account>_elasticloadbalancing_<region>_app.<lb-name>.<lb-id>_<end-time>_<ip-address>_<random-string>.log.gz
 */

/** What an object in an ELB log bucket is. Only `alb-access-log` is ingested by the pipeline; the rest are skipped. */
export type LogObjectKind =
  | 'alb-access-log'
  | 'alb-connection-log'
  | 'alb-health-check-log'
  | 'nlb-log'
  | 'gwlb-log'
  | 'classic-elb-log'
  | 'elb-test-file'
  | 'not-an-elb-log';

export interface LogObjectKey {
  readonly kind: LogObjectKind;
  /** AWS account id from the file name, when the key follows the ELB layout. */
  readonly accountId?: string;
  /** AWS region from the file name, when the key follows the ELB layout. */
  readonly region?: string;
  /** Load balancer id as in the `elb` column (`app/<name>/<id>`), when known. */
  readonly loadBalancer?: string;
  /**
   * The row-level file identity (column `source_file`): `<end-time>_<ip-address>_<random-string>` for standard keys,
   * which together with `account_id`, `region` and `elb` names exactly one S3 object (see {@link accessLogKeyFor});
   * for other keys, the file name without `.log`/`.gz`.
   */
  readonly sourceFile: string;
}

const ACCESS_LOG_FILE =
  /^(\d{12})_elasticloadbalancing_([a-z0-9-]+)_app\.([^._]+)\.([^._]+)_(\d{8}T\d{4}Z)_([^_]+)_([^_.]+)\.log(?:\.gz)?$/;
const ELB_FILE = /^(\d{12})_elasticloadbalancing_([a-z0-9-]+)_(net|gwy)?/;

/** Classifies an S3 key (already URL-decoded) and extracts its metadata. Never throws. */
export function describeLogKey(key: string): LogObjectKey {
  const file = key.slice(key.lastIndexOf('/') + 1);
  const access = ACCESS_LOG_FILE.exec(file);
  if (access) {
    const [, accountId, region, lbName, lbId, endTime, ip, random] = access as unknown as string[];
    return {
      kind: 'alb-access-log',
      accountId,
      region,
      loadBalancer: `app/${lbName}/${lbId}`,
      sourceFile: `${endTime}_${ip}_${random}`,
    };
  }
  const sourceFile = file.replace(/\.gz$/, '').replace(/\.log$/, '');
  if (file === 'ELBAccessLogTestFile') return { kind: 'elb-test-file', sourceFile };
  if (file.startsWith('conn_log_')) return { kind: 'alb-connection-log', sourceFile };
  if (file.startsWith('health_check_log_')) return { kind: 'alb-health-check-log', sourceFile };
  const elb = ELB_FILE.exec(file);
  if (elb) {
    const kind = elb[3] === 'net' ? 'nlb-log' : elb[3] === 'gwy' ? 'gwlb-log' : 'classic-elb-log';
    return { kind, accountId: elb[1], region: elb[2], sourceFile };
  }
  return { kind: 'not-an-elb-log', sourceFile };
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
  const day = `${row.source_file.slice(0, 4)}/${row.source_file.slice(4, 6)}/${row.source_file.slice(6, 8)}`;
  const base = row.prefix ? `${row.prefix.replace(/\/+$/, '')}/` : '';
  return (
    `${base}AWSLogs/${row.account_id}/elasticloadbalancing/${row.region}/${day}/` +
    `${row.account_id}_elasticloadbalancing_${row.region}_app.${name}.${id}_${row.source_file}.log.gz`
  );
}

/** S3 event notifications URL-encode keys, with `+` for spaces. */
export function decodeEventKey(raw: string): string {
  return decodeURIComponent(raw.replace(/\+/g, ' '));
}
