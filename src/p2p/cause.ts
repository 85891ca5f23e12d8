/**
 * Words for what made a libp2p operation fail, for error messages: libp2p rejects with Errors, but
 * also with stream close events (no `message`) and AggregateErrors (one error per address, often with
 * an empty message of their own). Never "undefined".
 */
export function describeCause(err: unknown): string {
  if (err instanceof AggregateError) {
    const inner = [...new Set(err.errors.map(describeCause))].filter((m) => m !== '');
    if (inner.length > 0) return inner.join('; ');
  }
  if (err instanceof Error) {
    if (err.message !== '') return err.message;
    if (err.cause !== undefined) return describeCause(err.cause);
    return err.name;
  }
  if (typeof Event !== 'undefined' && err instanceof Event) {
    const { error, local } = err as Event & { error?: unknown; local?: boolean };
    if (error !== undefined) return describeCause(error);
    if (local === true) return 'the connection was closed by this node';
    return 'the remote closed the connection';
  }
  if (typeof err === 'string' && err !== '') return err;
  if (err === undefined || err === null) return 'unknown error';
  return String(err);
}
