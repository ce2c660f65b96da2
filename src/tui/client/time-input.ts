/** Parsing what people type as a video time: "90", "1:30", "1:02:03". */

/** Milliseconds for "SS", "M:SS" or "H:MM:SS" (each part a whole number, later parts < 60); undefined when unreadable. */
export function parseClock(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+(:\d+){0,2}$/.test(t)) return undefined;
  const parts = t.split(':').map(Number);
  if (parts.slice(1).some((p) => p >= 60)) return undefined;
  const seconds = parts.reduce((total, p) => total * 60 + p, 0);
  return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : undefined;
}
