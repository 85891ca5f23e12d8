/** The contract between a node and the data kinds (services) that run inside it: docs/SERVICES.md. */
export type {
  NodeService,
  ProtocolOptions,
  ServiceContext,
  ServiceEvents,
  ServicePeer,
} from './context.ts';
