import { CORE_CODES } from './codes.ts';
import { registeredCodes } from './registry.ts';
import type { CodeInfo } from './types.ts';

/**
 * Renders docs/ERRORS.md from the registered code tables (the caller registers them first: see
 * scripts/gen-errors-doc.ts): the four core codes, then every other code in alphabetical order.
 */
export function renderErrorsDoc(codes: ReadonlyMap<string, CodeInfo> = registeredCodes()): string {
  const core = Object.keys(CORE_CODES);
  const rest = [...codes.keys()].filter((c) => !core.includes(c)).sort();
  const rows = [...core, ...rest]
    .map((code) => {
      const info = codes.get(code);
      if (info === undefined) throw new TypeError(`${code} is not registered`);
      return `| \`${code}\` | ${info.http} | ${info.strike ?? ''} | ${info.message} |`;
    })
    .join('\n');
  return `# Error codes

Every error murmur raises is a \`MurmurError\` with one of these stable codes (CLI tools print
\`CODE: message\` and exit non-zero; the local API answers the code's HTTP status with
\`{ "error": { "code", "message", "details"? } }\`). A code with a strike kind is misbehaviour when a
remote peer causes it on a protocol: the service strikes the peer with that kind
(\`murmur_misbehaviour_strikes_total{kind}\` counts \`<service>:<kind>\` on a service's protocol, the bare
kind on the node's own); a code without one never strikes.

Each module defines its codes in its \`codes.ts\` (\`defineCodes\` in \`src/errors\`); this file is generated
from them by \`npm run docs:errors\`; do not edit by hand.

| code | HTTP | strike | meaning |
|---|---|---|---|
${rows}
`;
}
