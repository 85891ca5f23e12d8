import { serviceCluster } from '../helpers/cluster.ts';
import { serviceContextSuite } from '../suites/service-context.ts';

serviceContextSuite('simulator context', (n, services, options) =>
  serviceCluster(n, { transport: 'sim', services, ...options }),
);
