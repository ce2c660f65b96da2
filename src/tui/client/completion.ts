/** Shell-like Tab completion over the candidates the session finds for a partial path. */

/** Candidates listed under the field at most. */
export const MAX_SHOWN_CANDIDATES = 8;

/** The longest prefix every string shares. */
export function commonPrefix(values: readonly string[]): string {
  if (values.length === 0) return '';
  let prefix = values[0]!;
  for (const v of values) {
    while (!v.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  // Never end between the two halves of a surrogate pair.
  return prefix.replace(/[\uD800-\uDBFF]$/, '');
}

export interface Completion {
  /** The field's new value. */
  value: string;
  /** Candidates to list under the field (several matches); empty otherwise. */
  candidates: string[];
  /** True when nothing matched. */
  none: boolean;
}

/** One match replaces the value; several extend it to their common prefix and are listed. */
export function complete(value: string, matches: readonly string[]): Completion {
  if (matches.length === 0) return { value, candidates: [], none: true };
  if (matches.length === 1) return { value: matches[0]!, candidates: [], none: false };
  const prefix = commonPrefix(matches);
  return { value: prefix.length > value.length ? prefix : value, candidates: [...matches], none: false };
}

/** What to show for a candidate: its last path part (a directory keeps its trailing "/"). */
export function candidateLabel(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return base === '' ? path : base + (path.endsWith('/') ? '/' : '');
}
