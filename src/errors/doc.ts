import { ERROR_CODES } from './codes.ts';

/** Renders docs/ERRORS.md from the code table. */
export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CODES)
    .map(([code, meaning]) => `| \`${code}\` | ${meaning} |`)
    .join('\n');
  return `# Error codes\n\nEvery error murmur raises is a \`MurmurError\` with one of these stable codes (CLI tools print\n\`CODE: message\` and exit non-zero; the local API returns \`{ "error": { "code", "message" } }\`).\nGenerated from \`src/errors/codes.ts\` by \`npm run docs:errors\`; do not edit by hand.\n\n| code | meaning |\n|---|---|\n${rows}\n`;
}
