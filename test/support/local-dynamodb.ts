/**
 * LocalDynamoDb: the real DynamoDB API on loopback for tests and the benchmark. `dynalite` (an implementation of
 * the DynamoDB HTTP API, in memory) answers behind a small proxy of ours that logs every call and can inject faults
 * (throttling, server errors, a call accepted and never answered), so the real @aws-sdk/client-dynamodb talks to it
 * exactly as to DynamoDB. The ledger table is created with the key schema the stack deploys (lambda/ledger/schema.ts).
 *
 * Known gap of dynalite: `ReturnValuesOnConditionCheckFailure` returns no item (the ledger does not rely on it).
 *
 * Usage:
 *   const ddb = await LocalDynamoDb.start();
 *   const client = new DynamoDBClient(testClientConfig(ddb.endpoint));
 *   ddb.fault((call) => (call.operation === 'UpdateItem' ? dynamoFaults.throttle() : undefined));
 *   ddb.calls; await ddb.close();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LEDGER_PARTITION_KEY, LEDGER_SORT_KEY } from '../../lambda/ledger/schema';
import { LoopbackHttp, readBody, requestId, testClientConfig } from './aws-env';

export const LEDGER_TEST_TABLE = 'alb-iceberg-ledger';

export interface DynamoCall {
  readonly seq: number;
  /** `UpdateItem`, `GetItem`, `Query`, ... (from X-Amz-Target). */
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export interface DynamoCallLog {
  readonly seq: number;
  readonly operation: string;
  readonly status: number;
  readonly errorCode: string | undefined;
}

export type DynamoFault =
  | { readonly kind: 'error'; readonly code: string; readonly status: number; readonly message: string }
  | { readonly kind: 'hang' };

export const dynamoFaults = {
  /** ThrottlingException, HTTP 400: the SDK retries it (a throttling error). */
  throttle: (): DynamoFault => ({ kind: 'error', code: 'ThrottlingException', status: 400, message: 'Rate exceeded' }),
  /** ProvisionedThroughputExceededException, HTTP 400: retried by the SDK. */
  throughput: (): DynamoFault => ({
    kind: 'error',
    code: 'ProvisionedThroughputExceededException',
    status: 400,
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  }),
  /** InternalServerError, HTTP 500: retried by the SDK. */
  internal: (): DynamoFault => ({ kind: 'error', code: 'InternalServerError', status: 500, message: 'Internal error' }),
  /** AccessDeniedException, HTTP 400: permanent. */
  accessDenied: (): DynamoFault => ({
    kind: 'error',
    code: 'AccessDeniedException',
    status: 400,
    message: 'User is not authorized to perform: dynamodb:UpdateItem',
  }),
  /** The request is read and never answered (until the server closes). */
  hang: (): DynamoFault => ({ kind: 'hang' }),
};

export class LocalDynamoDb {
  readonly calls: DynamoCallLog[] = [];
  private seq = 0;
  private behaviour: ((call: DynamoCall) => DynamoFault | undefined) | undefined;

  private constructor(
    private readonly front: LoopbackHttp,
    private readonly backend: http.Server,
    private readonly backendPort: number,
  ) {}

  /** Starts dynalite and the proxy, and creates the ledger table (name {@link LEDGER_TEST_TABLE} unless given). */
  static async start(options: { readonly tables?: readonly string[] } = {}): Promise<LocalDynamoDb> {
    const backend: http.Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const port = (backend.address() as AddressInfo).port;
    let self: LocalDynamoDb | undefined;
    const front = await LoopbackHttp.listen((req, res) => self!.handle(req, res));
    self = new LocalDynamoDb(front, backend, port);
    const client = new DynamoDBClient(testClientConfig(self.endpoint));
    for (const table of options.tables ?? [LEDGER_TEST_TABLE]) await createLedgerTable(client, table);
    client.destroy();
    self.calls.length = 0;
    return self;
  }

  /** `http://127.0.0.1:PORT` (the proxy). */
  get endpoint(): string {
    return this.front.endpoint;
  }

  /** Decides each call's fate: a fault, or undefined to pass it to dynalite. Pass undefined to stop faults. */
  fault(behaviour: ((call: DynamoCall) => DynamoFault | undefined) | undefined): void {
    this.behaviour = behaviour;
  }

  /** Calls of one operation that dynalite answered (status 200). */
  count(operation: string): number {
    return this.calls.filter((c) => c.operation === operation && c.status === 200).length;
  }

  async close(): Promise<void> {
    await this.front.close();
    await new Promise<void>((resolve) => this.backend.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.split('.').pop() ?? '';
    const seq = this.seq++;
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      // dynalite answers the malformed body itself
    }
    const fault = this.behaviour?.({ seq, operation, input });
    if (fault?.kind === 'hang') {
      this.calls.push({ seq, operation, status: 0, errorCode: 'hang' });
      await this.front.sleep(24 * 3600_000);
      res.destroy();
      return;
    }
    if (fault?.kind === 'error') {
      this.calls.push({ seq, operation, status: fault.status, errorCode: fault.code });
      const payload = JSON.stringify({
        __type: `com.amazonaws.dynamodb.v20120810#${fault.code}`,
        message: fault.message,
      });
      res.writeHead(fault.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': requestId(),
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const forward = http.request(
        {
          host: '127.0.0.1',
          port: this.backendPort,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${this.backendPort}` },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const text = Buffer.concat(chunks);
            let errorCode: string | undefined;
            if ((answer.statusCode ?? 500) >= 400) {
              errorCode = String(JSON.parse(text.toString('utf8') || '{}').__type ?? '')
                .split('#')
                .pop();
            }
            this.calls.push({ seq, operation, status: answer.statusCode ?? 500, errorCode });
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(text);
            resolve();
          });
          answer.on('error', reject);
        },
      );
      forward.on('error', reject);
      forward.end(body);
    });
  }
}

/** Creates a table with the ledger's key schema (as the stack deploys it). */
export async function createLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: LEDGER_PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: LEDGER_SORT_KEY, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: LEDGER_PARTITION_KEY, KeyType: 'HASH' },
        { AttributeName: LEDGER_SORT_KEY, KeyType: 'RANGE' },
      ],
    }),
  );
}
