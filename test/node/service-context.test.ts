import { serviceCluster } from '../helpers/cluster.ts';
import { serviceContextSuite } from '../suites/service-context.ts';

serviceContextSuite('node ServiceHost over libp2p', (n, services, options) =>
  serviceCluster(n, { transport: 'libp2p', services, ...options }),
);
