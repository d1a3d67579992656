/**
 * The operator commands' AWS SDK clients: every one with the project's timeouts (lambda/aws/client-config.ts: a
 * connection timeout, a socket idle timeout and a request timeout that throws), so a peer that accepts a connection
 * and never answers ends the call instead of hanging the command; and a failure that got no HTTP answer names the
 * endpoint it was waiting for, which is what an operator needs to see (a wrong AWS_ENDPOINT_URL_*, a proxy, a VPC
 * endpoint that drops packets).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { FirehoseClient, type FirehoseClientConfig } from '@aws-sdk/client-firehose';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { type ClientTimeouts, DEFAULT_TIMEOUTS, requestHandlerOptions } from '../lambda/aws/client-config';
import { httpStatusOf } from '../lambda/aws/errors';

/** How a command builds its clients; tests inject short timeouts and a local endpoint. */
export interface AwsClientOptions {
  readonly timeouts?: ClientTimeouts;
  /** Extra client configuration (endpoint, region, credentials, maxAttempts...), applied last. */
  readonly config?: object;
}

export function s3Client(o: AwsClientOptions = {}): S3Client {
  return withEndpointInErrors(
    new S3Client({ followRegionRedirects: true, ...base(o), ...(o.config as S3ClientConfig) }),
    o.timeouts,
  );
}

export function sqsClient(o: AwsClientOptions = {}): SQSClient {
  return withEndpointInErrors(new SQSClient({ ...base(o), ...(o.config as SQSClientConfig) }), o.timeouts);
}

export function firehoseClient(o: AwsClientOptions = {}): FirehoseClient {
  return withEndpointInErrors(new FirehoseClient({ ...base(o), ...(o.config as FirehoseClientConfig) }), o.timeouts);
}

export function dynamodbClient(o: AwsClientOptions = {}): DynamoDBClient {
  return withEndpointInErrors(new DynamoDBClient({ ...base(o), ...(o.config as DynamoDBClientConfig) }), o.timeouts);
}

const base = (o: AwsClientOptions) => ({ requestHandler: requestHandlerOptions(o.timeouts ?? DEFAULT_TIMEOUTS) });

/** The part of an SDK client this module touches. */
interface WithMiddleware {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { request?: unknown }) => Promise<unknown>,
      ) => (args: { request?: unknown }) => Promise<unknown>,
      options: { step: 'build'; name: string },
    ): void;
  };
}

/**
 * Adds the endpoint to the message of an error that got no HTTP answer (timeout, refused, reset, DNS), once, after
 * the SDK's own retries: `TimeoutError: ... (calling https://sqs.eu-west-1.amazonaws.com; connect timeout 5 s,
 * request timeout 30 s)`.
 */
export function withEndpointInErrors<C>(client: C, timeouts: ClientTimeouts = DEFAULT_TIMEOUTS): C {
  (client as unknown as WithMiddleware).middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (e) {
        const endpoint = endpointOf(args.request);
        if (e instanceof Error && endpoint && !hasHttpAnswer(e) && !e.message.includes(' (calling ')) {
          e.message +=
            ` (calling ${endpoint}; connect timeout ${seconds(timeouts.connectionTimeoutMs)},` +
            ` request timeout ${seconds(timeouts.requestTimeoutMs)})`;
        }
        throw e;
      }
    },
    { step: 'build', name: 'albIcebergEndpointInErrors' },
  );
  return client;
}

const hasHttpAnswer = (e: unknown) => httpStatusOf(e) !== undefined;

function endpointOf(request: unknown): string | undefined {
  const r = request as { protocol?: unknown; hostname?: unknown; port?: unknown } | undefined;
  if (typeof r?.hostname !== 'string' || r.hostname === '') return undefined;
  const protocol = typeof r.protocol === 'string' && r.protocol ? r.protocol.replace(/:?$/, ':') : 'https:';
  return `${protocol}//${r.hostname}${typeof r.port === 'number' ? `:${r.port}` : ''}`;
}

const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${ms / 1000} s`);
