/**
 * One classification of AWS SDK (and network) errors for the whole project, so "may this pass if we try again?" is
 * decided in one place. Pure.
 *
 * - `missing`: the resource does not exist (404, NoSuchKey, NoSuchBucket, ResourceNotFoundException).
 * - `precondition`: a conditional request failed (412): the object changed.
 * - `throttled`: the service asked us to slow down (429, SlowDown, ThrottlingException, ServiceUnavailableException).
 * - `transient`: 5xx, timeouts, aborted calls, connection resets: trying again later may succeed.
 * - `permanent`: everything else in 4xx (AccessDenied, KeyTooLongError, InvalidArgument, ValidationException,
 *   ...): retrying cannot help, so fail fast with the real cause.
 * Error shapes: https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/handling-exceptions.html
 */

export type AwsErrorKind = 'missing' | 'precondition' | 'throttled' | 'transient' | 'permanent';

export interface ClassifiedError {
  readonly kind: AwsErrorKind;
  /** `Name (HTTP status): message`, for logs and dead-letter messages. */
  readonly message: string;
  readonly name: string;
  readonly status?: number;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ServiceUnavailableException',
  'LimitExceededException',
  'SlowDown',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
]);
const MISSING = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'ResourceNotFoundException', 'NonExistentQueue']);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
/** Permanent whatever the status says (or when an error carries none): retrying cannot change the answer. */
const PERMANENT_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidArgumentException',
  'InvalidKMSResourceException',
  'UnrecognizedClientException',
  'ValidationException',
  'KeyTooLongError',
]);

export function classifyAwsError(e: unknown): ClassifiedError {
  const err = e as { name?: unknown; message?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof err?.name === 'string' && err.name ? err.name : 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const text = typeof err?.message === 'string' ? err.message : String(e);
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = `${name}${status ? ` (HTTP ${status})` : ''}${code && code !== name ? ` [${code}]` : ''}: ${text}`;
  const result = (kind: AwsErrorKind): ClassifiedError => ({ kind, message, name, ...(status ? { status } : {}) });
  if (MISSING.has(name) || status === 404) return result('missing');
  if (name === 'PreconditionFailed' || status === 412) return result('precondition');
  if (THROTTLING.has(name) || status === 429 || status === 503) return result('throttled');
  if (PERMANENT_NAMES.has(name)) return result('permanent');
  if (TRANSIENT_NAMES.has(name) || (code !== undefined && NETWORK_CODES.has(code))) return result('transient');
  if (status !== undefined && status >= 500) return result('transient');
  if (status !== undefined && status >= 400) return result('permanent');
  // No HTTP status: the call never got an answer (network, timeout) or an unknown client-side error; trying again
  // later is the safe default, and the attempt budget bounds it.
  return result('transient');
}

/** Whether an error name or a PutRecordBatch entry's `ErrorCode` means "slow down". */
export const isThrottling = (nameOrCode: string): boolean => THROTTLING.has(nameOrCode);

/** Whether trying again later may succeed. */
export const mayPass = (c: ClassifiedError): boolean => c.kind === 'transient' || c.kind === 'throttled';
