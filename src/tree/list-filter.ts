import { MurmurError } from '../errors/index.ts';
import { parsePattern, type Tokens, tokensMatch } from './glob.ts';
import { parsePath } from './path.ts';

/**
 * Ordered list filters. Each filter is a glob (docs/TREE.md), "!" in front negates it. A key is
 * listed when the LAST filter matching it is positive. With no filter every key is listed; when
 * the first filter is negative, keys start included (so ["!/tmp/**"] means "all but /tmp").
 */
export class ListFilter {
  readonly #rules: { negate: boolean; tokens: Tokens }[];
  readonly #default: boolean;

  constructor(filters: readonly string[] = []) {
    if (!Array.isArray(filters)) throw new MurmurError('MURMUR_INVALID_ARGUMENT', 'filters must be an array');
    this.#rules = filters.map((f) => {
      const negate = f.startsWith('!');
      return { negate, tokens: parsePattern(negate ? f.slice(1) : f) };
    });
    this.#default = this.#rules.length === 0 || this.#rules[0]!.negate;
  }

  matches(key: string): boolean {
    const path = parsePath(key);
    let included = this.#default;
    for (const r of this.#rules) if (tokensMatch(r.tokens, path)) included = !r.negate;
    return included;
  }
}
