/**
 * Ctrl-C for long operator commands: the first SIGINT asks the command to stop at a safe point (after the batch or
 * object under way, with its checkpoint saved); a second one ends the process at once, as usual.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  dispose(): void;
}

export function onInterrupt(notify: (message: string) => void, message: string): Interrupt {
  const controller = new AbortController();
  const handler = () => {
    process.removeListener('SIGINT', handler);
    notify(message);
    controller.abort();
  };
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', handler);
    },
  };
}
