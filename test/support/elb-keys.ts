/**
 * S3 keys of every ELB log type, written out from AWS's documented file names (not built with lambda/s3/log-key.ts,
 * whose recognition the tests check), plus keys that are no log file: the ELB test file and an object of AWS's
 * CloudWatch-vended delivery (its Hive-style folders).
 */
import type { LogTypeId } from '../../lambda/schema/log-types';
import { ACCOUNT } from './ledger-fixture';

export interface KeyOptions {
  readonly prefix?: string;
  readonly account?: string;
  readonly region?: string;
}

/** The day folder `[prefix]AWSLogs/<acct>/elasticloadbalancing/<region>/<yyyy>/<mm>/<dd>/`. */
export function dayFolderOf(day: string, o: KeyOptions = {}): string {
  const [y, m, d] = day.split('-');
  return `${o.prefix ?? 'prod/'}AWSLogs/${o.account ?? ACCOUNT}/elasticloadbalancing/${o.region ?? 'us-east-1'}/${y}/${m}/${d}/`;
}

/**
 * The n-th ALB access-log file of a day folder without a prefix, its end time `T1000Z` + n minutes written as
 * `HHMM` (n from 0 to 8,999 keeps the keys of a day apart and in key order).
 */
export function accessKeyOfDay(day: string, n: number, region = 'eu-west-1', account = '111122223333'): string {
  const [y, m, d] = day.split('-');
  return (
    `AWSLogs/${account}/elasticloadbalancing/${region}/${y}/${m}/${d}/` +
    `${account}_elasticloadbalancing_${region}_app.a.b_${y}${m}${d}T${String(1000 + n).slice(-4)}Z_10.0.0.1_r${n}.log.gz`
  );
}

/** The n-th log file of a type in a day folder (n < 60: it is the minute of the file's end time). */
export function logKey(type: LogTypeId, day: string, n: number, o: KeyOptions = {}): string {
  const account = o.account ?? ACCOUNT;
  const region = o.region ?? 'us-east-1';
  const end = `${day.replace(/-/g, '')}T10${String(n).padStart(2, '0')}Z`;
  const elb = `${account}_elasticloadbalancing_${region}_`;
  const alb = `${elb}app.web.50dc6c495c0c9188_${end}_10.0.0.1_r${n}.log.gz`;
  const name: Record<LogTypeId, string> = {
    'alb-access': alb,
    'alb-connection': `conn_log_${alb}`,
    'alb-health-check': `health_check_log_${alb}`,
    'nlb-access': `${elb}net.nlb.50dc6c495c0c9188_${end}_n${n}.log.gz`,
    'clb-access': `${elb}classic-web_${end}_10.0.0.2_c${n}.log`,
  };
  return `${dayFolderOf(day, o)}${name[type]}`;
}

/** A key of AWS's CloudWatch-vended delivery into the same bucket (Hive-compatible folders, a JSON file). */
export function cloudwatchDeliveryKey(day: string, n: number, o: KeyOptions = {}): string {
  const [y, m, d] = day.split('-');
  return (
    `${o.prefix ?? 'prod/'}AWSLogs/aws-account-id=${o.account ?? ACCOUNT}/elasticloadbalancing/` +
    `region=${o.region ?? 'us-east-1'}/year=${y}/month=${m}/day=${d}/delivery-${n}.json.gz`
  );
}

/** A Parquet object of CloudWatch-vended delivery written into a legacy day folder (recognised by its extension). */
export function cloudwatchParquetKey(day: string, n: number, o: KeyOptions = {}): string {
  return `${dayFolderOf(day, o)}elb-access-${n}.parquet`;
}
