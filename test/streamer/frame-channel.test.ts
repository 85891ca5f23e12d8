import { memoryPair } from '../../src/streamer/channel.ts';
import { frameChannelSuite } from '../suites/frame-channel.ts';

frameChannelSuite('memory pair', async (options) => {
  const violations: string[] = [];
  const onViolation = (kind: string): void => {
    violations.push(kind);
  };
  const [a, b] = memoryPair({}, { a: { ...options.a, onViolation }, b: { ...options.b, onViolation } });
  return { a, b, violations: () => violations, dispose: async () => {} };
});
