/**
 * Builds ALB access-log lines field by field, so tests state only what matters to them. Defaults follow the HTTPS
 * example entry on AWS's access-log page. `fields` counts how many positions are written (older generations are
 * shorter: 18 = original 2016 format, 25 = 2018, 27 = 2019, 29 = 2020, 30 = conn_trace_id 2024, 33 = transforms 2025).
 */
export const DEFAULT_FIELDS: readonly string[] = [
  'https',
  '2018-07-02T22:23:00.186641Z',
  'app/my-loadbalancer/50dc6c495c0c9188',
  '192.168.131.39:2817',
  '10.0.0.1:80',
  '0.086',
  '0.048',
  '0.037',
  '200',
  '200',
  '0',
  '57',
  '"GET https://www.example.com:443/ HTTP/1.1"',
  '"curl/7.46.0"',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'TLSv1.2',
  'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
  '"Root=1-58337281-1d84f3d73c47ec4e58577259"',
  '"www.example.com"',
  '"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"',
  '1',
  '2018-07-02T22:22:48.364000Z',
  '"authenticate,forward"',
  '"-"',
  '"-"',
  '"10.0.0.1:80"',
  '"200"',
  '"-"',
  '"-"',
  'TID_1234abcd5678ef90',
  '"-"',
  '"-"',
  '"-"',
];

/** Field positions by AWS name, 0-based, for overrides. */
export const POS = {
  type: 0,
  time: 1,
  elb: 2,
  client: 3,
  target: 4,
  requestProcessingTime: 5,
  targetProcessingTime: 6,
  responseProcessingTime: 7,
  elbStatus: 8,
  targetStatus: 9,
  receivedBytes: 10,
  sentBytes: 11,
  request: 12,
  userAgent: 13,
  sslCipher: 14,
  sslProtocol: 15,
  targetGroupArn: 16,
  traceId: 17,
  domainName: 18,
  chosenCertArn: 19,
  matchedRulePriority: 20,
  requestCreationTime: 21,
  actionsExecuted: 22,
  redirectUrl: 23,
  errorReason: 24,
  targetPortList: 25,
  targetStatusCodeList: 26,
  classification: 27,
  classificationReason: 28,
  connTraceId: 29,
  transformedHost: 30,
  transformedUri: 31,
  requestTransformStatus: 32,
} as const;

export interface LineOptions {
  /** Raw field text by position (include quotes for quoted fields). */
  readonly set?: Partial<Record<keyof typeof POS, string>>;
  /** How many known fields to write. Default: all 33. */
  readonly fields?: number;
  /** Raw text appended after the known fields (unknown future fields), joined with spaces. */
  readonly extra?: readonly string[];
}

export function albLine(options: LineOptions = {}): string {
  const fields = [...DEFAULT_FIELDS];
  for (const [name, value] of Object.entries(options.set ?? {}))
    fields[POS[name as keyof typeof POS]] = value as string;
  const out = fields.slice(0, options.fields ?? fields.length);
  return [...out, ...(options.extra ?? [])].join(' ');
}
