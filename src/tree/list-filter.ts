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

  /**
   * A string every listed key starts with ('' when none can be told). When keys start excluded, a
   * listed key matches some positive filter, so it starts with the literal lead of one of them: the
   * common prefix of those leads bounds the listing (Tree.list reads only that range of keys).
   */
  prefix(): string {
    if (this.#default) return '';
    let common: string | undefined;
    for (const r of this.#rules) {
      if (r.negate) continue;
      const lead = literalLead(r.tokens);
      common = common === undefined ? lead : commonPrefix(common, lead);
    }
    return common ?? '';
  }

  matches(key: string): boolean {
    const path = parsePath(key);
    let included = this.#default;
    for (const r of this.#rules) if (tokensMatch(r.tokens, path)) included = !r.negate;
    return included;
  }
}

/**
 * What every path a pattern matches starts with: its whole literal segments, then the part of the
 * first wildcard segment before its "*". A "**" may match no segment at all ("/a/**" matches "/a"),
 * so the lead stops before its slash.
 */
export function literalLead(tokens: Tokens): string {
  let out = '';
  for (const t of tokens) {
    if (t === '**') return out;
    const star = t.indexOf('*');
    if (star >= 0) return `${out}/${t.slice(0, star)}`;
    out += `/${t}`;
  }
  return out;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}
