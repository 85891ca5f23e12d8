/** The contract between a node and the data kinds (services) that run inside it: docs/SERVICES.md. */
export type {
  NodeService,
  ProtocolOptions,
  ServiceContext,
  ServiceEvents,
  ServicePeer,
} from './context.ts';
export {
  type CliKit,
  type DataKind,
  type DemoCheck,
  type DemoNodeView,
  type DemoResult,
  defineKind,
  type KindCard,
  type KindDemo,
  type KindInput,
  type KindSetting,
  type RawKindSettings,
} from './kind.ts';
export {
  currentProtocolId,
  type ProtocolIdMode,
  type ProtocolIds,
  protocolIdList,
  spokenProtocolIds,
} from './protocols.ts';
export { waitOrAbort } from './wait.ts';
