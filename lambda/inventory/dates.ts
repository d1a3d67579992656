/** Calendar days (YYYY-MM-DD, UTC) and the ELB day folders (`yyyy/mm/dd`) they name. */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Parses `YYYY-MM-DD` as a real calendar day; returns its UTC midnight in ms, or undefined when invalid. */
export function parseDay(text: string): number | undefined {
  const m = DAY.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return t;
}

/** `YYYY-MM-DD` of an instant, in UTC. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The S3 folder path of a day as ALB writes it: `yyyy/mm/dd`. */
export function dayFolder(ms: number): string {
  return dayOf(ms).replace(/-/g, '/');
}

/** Every day from `fromMs` to `toMs` inclusive (both UTC midnights), as `yyyy/mm/dd` folder paths. */
export function dayFolders(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  for (let t = fromMs; t <= toMs; t += MS_PER_DAY) out.push(dayFolder(t));
  return out;
}

export function nextDay(ms: number): number {
  return ms + MS_PER_DAY;
}
