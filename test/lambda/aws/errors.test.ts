/** classifyAwsError: one kind per error shape the SDK (or the network) produces. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConditionalCheckFailedException,
  ResourceNotFoundException as DynamoDbResourceNotFound,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import {
  ResourceNotFoundException as FirehoseResourceNotFound,
  InvalidArgumentException,
  ServiceUnavailableException,
} from '@aws-sdk/client-firehose';
import { AccessDenied, NoSuchBucket, NoSuchKey, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { KmsThrottled, OverLimit, QueueDoesNotExist, RequestThrottled } from '@aws-sdk/client-sqs';
import { deadlineSignal } from '../../../lambda/aws/client-config';
import {
  type AwsErrorKind,
  classifyAwsError,
  classifyErrorCode,
  describeAwsError,
  httpStatusOf,
  isMissing,
  isNetworkError,
  isPreconditionFailed,
  isRetryable,
  isThrottling,
  mayPass,
} from '../../../lambda/aws/errors';

/** An SDK service exception as the SDK builds it: a name and the response's HTTP status in $metadata. */
function sdkError(name: string, status?: number, message = `${name} happened`): Error {
  return Object.assign(new Error(message), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });
}

function networkError(code: string, name = 'Error'): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { name, code });
}

/** Options of a real SDK exception class, with the HTTP status its response would carry. */
const opts = (status?: number) => ({ $metadata: status === undefined ? {} : { httpStatusCode: status }, message: '' });

/** S3's generic exception, as the SDK builds it for a code without a modelled class (PreconditionFailed, SlowDown). */
const s3Generic = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', ...opts(status) });

const cases: [string, unknown, AwsErrorKind][] = [
  // missing: the object is gone
  ['S3 NoSuchKey (class, no status)', new NoSuchKey(opts()), 'missing'],
  ['S3 NoSuchKey 404', new NoSuchKey(opts(404)), 'missing'],
  ['S3 HeadObject NotFound 404', new NotFound(opts(404)), 'missing'],
  ['an unknown name with status 404', sdkError('Unknown', 404), 'missing'],
  // precondition
  ['S3 PreconditionFailed 412', s3Generic('PreconditionFailed', 412), 'precondition'],
  ['an unknown name with status 412', sdkError('Unknown', 412), 'precondition'],
  ['DynamoDB ConditionalCheckFailedException', new ConditionalCheckFailedException(opts(400)), 'precondition'],
  ['ConditionalCheckFailedException (class, no status)', new ConditionalCheckFailedException(opts()), 'precondition'],
  // throttled
  ['S3 SlowDown 503', s3Generic('SlowDown', 503), 'throttled'],
  ['Firehose ServiceUnavailableException', new ServiceUnavailableException(opts(503)), 'throttled'],
  ['ServiceUnavailableException sent with 400', sdkError('ServiceUnavailableException', 400), 'throttled'],
  [
    'DynamoDB ProvisionedThroughputExceededException',
    new ProvisionedThroughputExceededException(opts(400)),
    'throttled',
  ],
  ['DynamoDB ThrottlingException', new ThrottlingException(opts(400)), 'throttled'],
  ['DynamoDB RequestLimitExceeded', new RequestLimitExceeded(opts(400)), 'throttled'],
  ['SQS RequestThrottled 403', new RequestThrottled(opts(403)), 'throttled'],
  ['SQS KmsThrottled 400', new KmsThrottled(opts(400)), 'throttled'],
  ['SQS OverLimit 403', new OverLimit(opts(403)), 'throttled'],
  ['HTTP 429', sdkError('TooManyRequests', 429), 'throttled'],
  ['an unknown 503', sdkError('Unknown', 503), 'throttled'],
  // transient
  ['S3 InternalError 500', s3Generic('InternalError', 500), 'transient'],
  ['DynamoDB InternalServerError (class, no status)', new InternalServerError(opts()), 'transient'],
  ['InternalFailure 500', sdkError('InternalFailure', 500), 'transient'],
  ['an unknown 502', sdkError('Unknown', 502), 'transient'],
  [
    'connect timeout (TimeoutError, ETIMEDOUT)',
    Object.assign(sdkError('TimeoutError'), { code: 'ETIMEDOUT' }),
    'transient',
  ],
  ['request or socket TimeoutError', sdkError('TimeoutError'), 'transient'],
  ['aborted call (AbortError)', sdkError('AbortError'), 'transient'],
  ['S3 RequestTimeout 400', sdkError('RequestTimeout', 400), 'transient'],
  ['ECONNRESET', networkError('ECONNRESET'), 'transient'],
  ['ECONNREFUSED', networkError('ECONNREFUSED'), 'transient'],
  ['ENOTFOUND', networkError('ENOTFOUND'), 'transient'],
  ['EPIPE', networkError('EPIPE'), 'transient'],
  ['no status at all', new Error('something odd'), 'transient'],
  ['a thrown string', 'boom', 'transient'],
  ['undefined thrown', undefined, 'transient'],
  // permanent
  ['S3 AccessDenied 403', new AccessDenied(opts(403)), 'permanent'],
  ['an unknown 403 (local S3 names it Unknown)', sdkError('Unknown', 403), 'permanent'],
  ['KeyTooLongError 400', sdkError('KeyTooLongError', 400), 'permanent'],
  ['Firehose InvalidArgumentException', new InvalidArgumentException(opts(400)), 'permanent'],
  ['ValidationException 400', sdkError('ValidationException', 400), 'permanent'],
  ['AccessDeniedException 400 (Firehose)', sdkError('AccessDeniedException', 400), 'permanent'],
  ['UnrecognizedClientException without a status', sdkError('UnrecognizedClientException'), 'permanent'],
  ['InvalidKMSResourceException without a status', sdkError('InvalidKMSResourceException'), 'permanent'],
  // permanent: a missing container is a misconfiguration, not a missing object
  ['S3 NoSuchBucket 404', new NoSuchBucket(opts(404)), 'permanent'],
  ['Firehose ResourceNotFoundException (stream)', new FirehoseResourceNotFound(opts(400)), 'permanent'],
  ['DynamoDB ResourceNotFoundException (table)', new DynamoDbResourceNotFound(opts(400)), 'permanent'],
  ['SQS QueueDoesNotExist', new QueueDoesNotExist(opts(400)), 'permanent'],
  ['SQS NonExistentQueue (query protocol code)', sdkError('AWS.SimpleQueueService.NonExistentQueue', 400), 'permanent'],
];

describe('classifyAwsError', () => {
  for (const [label, error, kind] of cases) {
    it(`${label} → ${kind}`, () => {
      assert.equal(classifyAwsError(error), kind);
      assert.equal(describeAwsError(error).kind, kind);
      const retryable = kind === 'transient' || kind === 'throttled';
      assert.equal(isRetryable(error), retryable);
      assert.equal(mayPass(describeAwsError(error)), retryable);
      assert.equal(isMissing(error), kind === 'missing');
      assert.equal(isPreconditionFailed(error), kind === 'precondition');
      assert.equal(isThrottling(error), kind === 'throttled');
    });
  }

  it('covers every kind', () => {
    assert.deepEqual([...new Set(cases.map(([, , k]) => k))].sort(), [
      'missing',
      'permanent',
      'precondition',
      'throttled',
      'transient',
    ]);
  });

  it('calls the reason of a fired deadlineSignal transient (a deadline, tried again in a later invocation)', () => {
    const signal = deadlineSignal(0);
    assert.equal(signal.aborted, true);
    assert.equal(classifyAwsError(signal.reason), 'transient');
    assert.equal(isNetworkError(signal.reason), true);
  });

  it('names the error, its status and code in the message', () => {
    const c = describeAwsError(sdkError('AccessDenied', 403, 'Access Denied'));
    assert.deepEqual(c, {
      kind: 'permanent',
      message: 'AccessDenied (HTTP 403): Access Denied',
      name: 'AccessDenied',
      status: 403,
    });
    const n = describeAwsError(networkError('ECONNRESET'));
    assert.equal(n.message, 'Error [ECONNRESET]: connect ECONNRESET 127.0.0.1:1');
    assert.equal(n.status, undefined);
    assert.equal(describeAwsError('boom').message, 'Error: boom');
  });
});

describe('classifyErrorCode (a batch entry’s ErrorCode, no status)', () => {
  it('PutRecordBatch entry codes: ServiceUnavailableException throttled, InternalFailure transient', () => {
    assert.equal(classifyErrorCode('ServiceUnavailableException'), 'throttled');
    assert.equal(classifyErrorCode('InternalFailure'), 'transient');
    assert.equal(isThrottling('ServiceUnavailableException'), true);
    assert.equal(isThrottling('InternalFailure'), false);
  });

  it('an unknown code is transient (an entry carries no status to say otherwise)', () => {
    assert.equal(classifyErrorCode('SomethingNew'), 'transient');
  });

  it('SQS entry codes: throttling and permanent ones', () => {
    assert.equal(classifyErrorCode('RequestThrottled'), 'throttled');
    assert.equal(classifyErrorCode('AccessDenied'), 'permanent');
  });
});

describe('httpStatusOf and isNetworkError', () => {
  it('reads the status of an answer, and nothing else', () => {
    assert.equal(httpStatusOf(new AccessDenied(opts(403))), 403);
    assert.equal(httpStatusOf(new NoSuchKey(opts())), undefined);
    assert.equal(httpStatusOf(sdkError('X')), undefined);
    assert.equal(httpStatusOf({ $metadata: { httpStatusCode: '500' } }), undefined, 'not a number');
    assert.equal(httpStatusOf(undefined), undefined);
  });

  it('is true for timeouts and socket errors without an answer only', () => {
    assert.equal(isNetworkError(networkError('ECONNRESET')), true);
    assert.equal(isNetworkError(Object.assign(sdkError('TimeoutError'), { code: 'ETIMEDOUT' })), true);
    assert.equal(isNetworkError(sdkError('AbortError')), true);
    // A zlib error in a body is data damage: transient for the shared classifier, but not the network.
    const zlib = Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR', errno: -5 });
    assert.equal(classifyAwsError(zlib), 'transient');
    assert.equal(isNetworkError(zlib), false);
    assert.equal(isNetworkError(sdkError('RequestTimeout', 400)), false, 'S3 answered');
    assert.equal(isNetworkError(sdkError('InternalError', 500)), false);
  });
});
