/**
 * The real ingest handler in a process of its own, for tests that kill it (SIGKILL) mid-stream. The test sets the
 * environment (the handler's variables, and AWS_ENDPOINT_URL_* pointing at the peers in the test's process) and
 * passes the SQS event in CHILD_EVENT. CHILD_INVOCATION_MS is the simulated invocation's length: the Lambda
 * context's remaining time counts down from it. Writes the batch response as its last stdout line.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { handler } from '../../lambda/ingest/handler';

async function main(): Promise<void> {
  const event = JSON.parse(process.env.CHILD_EVENT ?? '{}') as SQSEvent;
  const deadline = Date.now() + Number(process.env.CHILD_INVOCATION_MS ?? 60_000);
  const context = {
    awsRequestId: `child-${process.pid}`,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  } as unknown as Context;
  const response = await handler(event, context);
  process.stdout.write(`${JSON.stringify({ response })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
