/** classifyAwsError: one kind per error shape the SDK (or the network) produces. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AwsErrorKind, classifyAwsError, mayPass } from '../../../lambda/aws/errors';

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

const cases: [string, unknown, AwsErrorKind][] = [
  ['NoSuchKey 404', sdkError('NoSuchKey', 404), 'missing'],
  ['NoSuchBucket 404', sdkError('NoSuchBucket', 404), 'missing'],
  ['HeadObject NotFound 404', sdkError('NotFound', 404), 'missing'],
  ['ResourceNotFoundException 400 (Firehose stream)', sdkError('ResourceNotFoundException', 400), 'missing'],
  ['NonExistentQueue', sdkError('NonExistentQueue', 400), 'missing'],
  ['an unknown name with status 404', sdkError('Unknown', 404), 'missing'],
  ['PreconditionFailed 412', sdkError('PreconditionFailed', 412), 'precondition'],
  ['an unknown name with status 412', sdkError('Unknown', 412), 'precondition'],
  ['SlowDown 503', sdkError('SlowDown', 503), 'throttled'],
  ['ServiceUnavailableException 503', sdkError('ServiceUnavailableException', 503), 'throttled'],
  ['ServiceUnavailableException sent with 400', sdkError('ServiceUnavailableException', 400), 'throttled'],
  ['ThrottlingException 400', sdkError('ThrottlingException', 400), 'throttled'],
  ['RequestThrottled (SQS)', sdkError('RequestThrottled', 403), 'throttled'],
  ['HTTP 429', sdkError('TooManyRequests', 429), 'throttled'],
  ['InternalError 500', sdkError('InternalError', 500), 'transient'],
  ['InternalFailure 500', sdkError('InternalFailure', 500), 'transient'],
  ['an unknown 502', sdkError('Unknown', 502), 'transient'],
  [
    'request timeout (TimeoutError, ETIMEDOUT)',
    Object.assign(sdkError('TimeoutError'), { code: 'ETIMEDOUT' }),
    'transient',
  ],
  ['socket idle TimeoutError', sdkError('TimeoutError'), 'transient'],
  ['aborted call (AbortError)', sdkError('AbortError'), 'transient'],
  ['S3 RequestTimeout 400', sdkError('RequestTimeout', 400), 'transient'],
  ['ECONNRESET', networkError('ECONNRESET'), 'transient'],
  ['ECONNREFUSED', networkError('ECONNREFUSED'), 'transient'],
  ['ENOTFOUND', networkError('ENOTFOUND'), 'transient'],
  ['no status at all', new Error('something odd'), 'transient'],
  ['a thrown string', 'boom', 'transient'],
  ['AccessDenied 403', sdkError('AccessDenied', 403), 'permanent'],
  ['KeyTooLongError 400', sdkError('KeyTooLongError', 400), 'permanent'],
  ['InvalidArgumentException 400', sdkError('InvalidArgumentException', 400), 'permanent'],
  ['ValidationException 400', sdkError('ValidationException', 400), 'permanent'],
  ['AccessDeniedException 400 (Firehose)', sdkError('AccessDeniedException', 400), 'permanent'],
  ['UnrecognizedClientException without a status', sdkError('UnrecognizedClientException'), 'permanent'],
  ['InvalidKMSResourceException without a status', sdkError('InvalidKMSResourceException'), 'permanent'],
];

describe('classifyAwsError', () => {
  for (const [label, error, kind] of cases) {
    it(`${label} → ${kind}`, () => {
      const c = classifyAwsError(error);
      assert.equal(c.kind, kind);
      assert.equal(mayPass(c), kind === 'transient' || kind === 'throttled');
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

  it('names the error, its status and code in the message', () => {
    const c = classifyAwsError(sdkError('AccessDenied', 403, 'Access Denied'));
    assert.deepEqual(c, {
      kind: 'permanent',
      message: 'AccessDenied (HTTP 403): Access Denied',
      name: 'AccessDenied',
      status: 403,
    });
    const n = classifyAwsError(networkError('ECONNRESET'));
    assert.equal(n.message, 'Error [ECONNRESET]: connect ECONNRESET 127.0.0.1:1');
    assert.equal(n.status, undefined);
    assert.equal(classifyAwsError('boom').message, 'Error: boom');
  });
});
