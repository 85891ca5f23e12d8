import type { EventEmitter } from 'node:events';
import type { ServiceContext } from './context.ts';

/**
 * The `on`/`off` pair of a ServiceContext over the emitter its host fires events on: `on` returns the
 * unsubscribe. One implementation for the node's host and the simulator's context.
 */
export function contextListeners(events: EventEmitter): Pick<ServiceContext, 'on' | 'off'> {
  return {
    on: (event, listener) => {
      events.on(event, listener);
      return () => {
        events.off(event, listener);
      };
    },
    off: (event, listener) => {
      events.off(event, listener);
    },
  };
}
