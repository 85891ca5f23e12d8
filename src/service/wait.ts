/**
 * Waits for `work` (its failure ignored) or until `signal` fires, whichever is first: how a stop
 * honours its signal for a wait that may hang (draining handlers, a peer that never answers).
 */
export function waitOrAbort(
  work: Promise<unknown> | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const settled = Promise.resolve(work).then(
    () => {},
    () => {},
  );
  if (signal === undefined) return settled;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void settled.then(done);
  });
}
