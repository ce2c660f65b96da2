/** Human-readable byte counts (binary units), shared by every role's messages. */

/** `1536` → `1.5 KiB`; one decimal below 10 of a unit, none above; whole bytes (rates are fractional). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '— B';
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
