/**
 * Configuration shared by every AWS SDK client this project creates (the ingest Lambda and the operator CLI).
 *
 * The AWS SDK v3 sets no timeout by default: a peer that accepts a connection and never answers hangs the call
 * forever. Every client therefore gets a connection timeout, a socket idle timeout (which also ends a response body
 * that stops mid-stream) and a request timeout that throws (`throwOnRequestTimeout`; without it the SDK only logs a
 * warning). Callers that must stop before a deadline also pass an `abortSignal` per call (see {@link deadlineSignal}).
 * https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-configuring-maxsockets.html
 * https://github.com/smithy-lang/smithy-typescript/blob/main/packages/types/src/http/httpHandlerInitialization.ts
 */
export interface ClientTimeouts {
  /** Milliseconds to establish a connection. */
  readonly connectionTimeoutMs: number;
  /** Milliseconds a request may take from sending to the end of the response headers and body. */
  readonly requestTimeoutMs: number;
  /**
   * Milliseconds a socket may stay idle (no byte either way), including while a body streams (0: no idle timeout,
   * for a client whose bodies are paused by their reader and guarded otherwise).
   */
  readonly socketTimeoutMs: number;
}

/** Defaults sized for calls that normally answer in well under a second (PutRecordBatch, SendMessage, List, Put). */
export const DEFAULT_TIMEOUTS: ClientTimeouts = {
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  socketTimeoutMs: 30_000,
};

/** The `requestHandler` constructor option of an SDK client, with every timeout set. */
export function requestHandlerOptions(timeouts: ClientTimeouts = DEFAULT_TIMEOUTS): {
  connectionTimeout: number;
  requestTimeout: number;
  socketTimeout: number;
  throwOnRequestTimeout: boolean;
} {
  return {
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    socketTimeout: timeouts.socketTimeoutMs,
    throwOnRequestTimeout: true,
  };
}

/**
 * An AbortSignal that fires `ms` from now, to bound one call by the time a caller has left; already aborted when
 * `ms` is not positive (the SDK then fails the call at once, without sending it). The reason is a `TimeoutError`.
 */
export function deadlineSignal(ms: number): AbortSignal {
  if (!(ms >= 1)) return AbortSignal.abort(new DOMException('The deadline has passed.', 'TimeoutError'));
  return AbortSignal.timeout(Math.floor(ms));
}
