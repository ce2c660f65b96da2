/** The key of a name compared without case, folding ASCII letters only, exactly as SQLite's NOCASE does. */
export function nocaseKey(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
