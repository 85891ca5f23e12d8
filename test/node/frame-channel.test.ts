import { streamPair } from '@libp2p/utils';
import { SERVICE_IDLE_TIMEOUT_MS, SERVICE_MAX_MESSAGE_BYTES } from '../../src/node/constants.ts';
import { StreamChannel } from '../../src/node/stream-channel.ts';
import { frameChannelSuite } from '../suites/frame-channel.ts';

// the node's channel over a pair of libp2p streams (libp2p's own connected stream pair)
frameChannelSuite('libp2p stream channel', async (options) => {
  const violations: string[] = [];
  const [x, y] = await streamPair();
  const end = (stream: typeof x, o: { maxBytes?: number; idleTimeoutMs?: number } = {}) =>
    new StreamChannel(stream, {
      maxBytes: o.maxBytes ?? SERVICE_MAX_MESSAGE_BYTES,
      idleTimeoutMs: o.idleTimeoutMs ?? SERVICE_IDLE_TIMEOUT_MS,
      onViolation: (kind) => violations.push(kind),
    });
  return {
    a: end(x, options.a),
    b: end(y, options.b),
    violations: () => violations,
    dispose: async () => {},
  };
});
