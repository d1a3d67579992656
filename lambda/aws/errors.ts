/**
 * One classification of AWS SDK (and network) errors for the whole project, so "may this pass if we try again?" is
 * decided in one place. Pure. Every caller that needs to tell errors apart asks here, and every retry loop
 * ({@link retryWithBackoff} in ./retry.ts) retries what this calls retryable.
 *
 * - `missing`: the *object* a call is about does not exist (S3 NoSuchKey, HeadObject's NotFound, any other 404).
 *   Normal operation: a log file deleted after its notification was sent is skipped, not an error.
 * - `precondition`: a conditional request failed: S3 PreconditionFailed (412, the object changed under an IfMatch),
 *   DynamoDB ConditionalCheckFailedException (a conditional write lost: another run holds the item).
 * - `throttled`: the service asked us to slow down (HTTP 429, S3 SlowDown 503, DynamoDB
 *   ProvisionedThroughputExceededException / ThrottlingException / RequestLimitExceeded, Firehose
 *   ServiceUnavailableException, SQS RequestThrottled / KmsThrottled / OverLimit).
 * - `transient`: 5xx, timeouts, aborted calls, connection resets, or no answer at all: trying again later may succeed.
 * - `permanent`: everything else in 4xx (AccessDenied, KeyTooLongError, InvalidArgumentException,
 *   ValidationException, ...) and a missing *container* (below): retrying cannot help, so fail fast with the cause.
 *
 * A missing bucket, queue, table or stream (NoSuchBucket, QueueDoesNotExist, ResourceNotFoundException) is
 * `permanent`, not `missing`: it is a misconfiguration (a wrong name, a deleted resource, another region), and
 * calling it `missing` would let the ingest function skip every object of a deleted log bucket as "no longer exists"
 * instead of failing loudly.
 *
 * Sources: the SDK's error shape (`name`, `$metadata.httpStatusCode`, `$retryable`)
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/handling-exceptions.html; the SDKs' retryable
 * classes (transient: no response, 500/502/503/504, TimeoutError/RequestTimeout; throttling: 429 and the throttling
 * codes) https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html and the JavaScript SDK's own
 * lists https://github.com/smithy-lang/smithy-typescript/blob/main/packages/service-error-classification/src/constants.ts;
 * S3's codes and statuses https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (retry InternalError,
 * back off on SlowDown: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ErrorBestPractices.html); DynamoDB's
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html; Firehose's
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html; SQS's
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html.
 */

export type AwsErrorKind = 'missing' | 'precondition' | 'throttled' | 'transient' | 'permanent';

/** An error with its kind and the text that names it, for logs, stop causes and dead-letter messages. */
export interface DescribedError {
  readonly kind: AwsErrorKind;
  /** `Name (HTTP status) [code]: message`. */
  readonly message: string;
  readonly name: string;
  readonly status?: number;
}

/**
 * Names (SDK exception names, or the `ErrorCode` of a batch entry) that mean "slow down". Firehose answers
 * ServiceUnavailableException when a stream's throughput is exceeded (PutRecordBatch: "back off and retry"); SQS's
 * OverLimit (403) is a limit of in-flight messages that clears as they are processed.
 */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'ServiceUnavailableException',
  'LimitExceededException',
  'SlowDown',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
  'KmsThrottled',
  'OverLimit',
  'BandwidthLimitExceeded',
]);
/** The object is gone: the one case a caller may treat as an expected outcome rather than a failure. */
const MISSING = new Set(['NoSuchKey', 'NotFound']);
/** A bucket, queue, table or stream that does not exist: a misconfiguration (see the module comment). */
const MISSING_CONTAINER = new Set([
  'NoSuchBucket',
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'NonExistentQueue',
  'AWS.SimpleQueueService.NonExistentQueue',
]);
const PRECONDITION = new Set(['PreconditionFailed', 'ConditionalCheckFailedException']);
/** Node's socket and DNS error codes (`error.code`): the call got no answer. */
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
/**
 * Timeouts and aborts. The client's timeouts (client-config.ts) all throw `TimeoutError` from the SDK's HTTP handler
 * (@smithy/node-http-handler): a connect timeout with code ETIMEDOUT, the request timeout (`throwOnRequestTimeout`),
 * the socket idle timeout, and a socket that failed with ECONNRESET, EPIPE or ETIMEDOUT mid-request. A per-call
 * `abortSignal` throws `AbortError`, a `deadlineSignal` that has fired aborts with a `TimeoutError` reason, the
 * body guard (ingest/deadline.ts) ends a stalled body with a `TimeoutError`, and S3 answers `RequestTimeout` (400) to
 * an upload that stalls. An abort here is always a deadline, so the work is tried again in a later invocation
 * (unlike the SDK's own retries, which never retry an abort).
 */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
/** Server faults named without (or with an unexpected) status: S3, Firehose, SQS and DynamoDB's 500s. */
const SERVER_FAULTS = new Set(['InternalError', 'InternalFailure', 'InternalServerError', 'ServiceUnavailable']);
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

interface ErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

const nameOf = (e: unknown): string => {
  const name = (e as ErrorShape | undefined)?.name;
  return typeof name === 'string' && name ? name : 'Error';
};
const codeOf = (e: unknown): string | undefined => {
  const code = (e as ErrorShape | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The HTTP status of the answer an SDK error came with; undefined when the call got no answer. */
export function httpStatusOf(e: unknown): number | undefined {
  const status = (e as ErrorShape | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Classifies an error name (or a batch entry's `ErrorCode`) and an HTTP status, when there is one. */
function classifyParts(name: string, status: number | undefined, code: string | undefined): AwsErrorKind {
  if (MISSING_CONTAINER.has(name)) return 'permanent';
  if (MISSING.has(name) || status === 404) return 'missing';
  if (PRECONDITION.has(name) || status === 412) return 'precondition';
  if (THROTTLING.has(name) || status === 429 || status === 503) return 'throttled';
  if (PERMANENT_NAMES.has(name)) return 'permanent';
  if (TIMEOUT_NAMES.has(name) || SERVER_FAULTS.has(name) || (code !== undefined && NETWORK_CODES.has(code))) {
    return 'transient';
  }
  if (status !== undefined && status >= 500) return 'transient';
  if (status !== undefined && status >= 400) return 'permanent';
  // No HTTP status: the call never got an answer (network, timeout) or an unknown client-side error; trying again
  // later is the safe default, and the caller's attempt budget bounds it.
  return 'transient';
}

/** The kind of an AWS SDK, network or other thrown error. */
export function classifyAwsError(e: unknown): AwsErrorKind {
  return classifyParts(nameOf(e), httpStatusOf(e), codeOf(e));
}

/**
 * The kind of a failed batch entry by its `ErrorCode` alone (PutRecordBatch: `ServiceUnavailableException` is
 * throttling, `InternalFailure` transient; an unknown code counts as transient, as an entry carries no status).
 */
export function classifyErrorCode(code: string): AwsErrorKind {
  return classifyParts(code, undefined, undefined);
}

/** The kind of an error and the text that names it: `Name (HTTP status) [code]: message`. */
export function describeAwsError(e: unknown): DescribedError {
  const name = nameOf(e);
  const status = httpStatusOf(e);
  const code = codeOf(e);
  const raw = (e as ErrorShape | undefined)?.message;
  const text = typeof raw === 'string' ? raw : String(e);
  const message = `${name}${status ? ` (HTTP ${status})` : ''}${code && code !== name ? ` [${code}]` : ''}: ${text}`;
  return { kind: classifyParts(name, status, code), message, name, ...(status ? { status } : {}) };
}

/** Whether trying again later may succeed: `throttled` and `transient`. */
export const isRetryableKind = (kind: AwsErrorKind): boolean => kind === 'transient' || kind === 'throttled';

/** Whether trying the failed call again later may succeed. */
export const isRetryable = (e: unknown): boolean => isRetryableKind(classifyAwsError(e));

/** Whether trying again later may succeed, for an error already described. */
export const mayPass = (c: DescribedError): boolean => isRetryableKind(c.kind);

/** Whether the object a call was about does not exist. */
export const isMissing = (e: unknown): boolean => classifyAwsError(e) === 'missing';

/** Whether a conditional request (S3 IfMatch, a DynamoDB condition expression) failed. */
export const isPreconditionFailed = (e: unknown): boolean => classifyAwsError(e) === 'precondition';

/** Whether an error, or a batch entry's `ErrorCode` (a string), means "slow down". */
export const isThrottling = (errorOrCode: unknown): boolean =>
  (typeof errorOrCode === 'string' ? classifyErrorCode(errorOrCode) : classifyAwsError(errorOrCode)) === 'throttled';

/**
 * Whether the call (or the body it was streaming) got no answer because of the network or a timeout: a reset or
 * refused connection, a DNS failure, a request, socket or deadline timeout. Unlike `transient` in general, this
 * excludes local failures without a status (a zlib error in a body is data damage, not the network).
 */
export function isNetworkError(e: unknown): boolean {
  if (httpStatusOf(e) !== undefined) return false;
  const code = codeOf(e);
  return TIMEOUT_NAMES.has(nameOf(e)) || (code !== undefined && NETWORK_CODES.has(code));
}
