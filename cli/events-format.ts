/** How event lines read in a terminal: `voodu events` and the end of `voodu describe` print them alike. */
import { table } from './output.js';

export interface EventLine {
  resource: string;
  type: string;
  reason: string;
  message: string;
  object?: string;
  count: number;
  first_at: string;
  last_at: string;
}

/** `19:20:01`: the day is implied by recency; `--output json` keeps the full timestamps. */
const clock = (iso: string) => (/T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? iso);

const reasonOf = (e: EventLine) => (e.count > 1 ? `${e.reason} (x${e.count} since ${clock(e.first_at)})` : e.reason);

export function eventTable(lines: EventLine[], withResource: boolean): string {
  const rows = [withResource ? ['LAST', 'TYPE', 'REASON', 'RESOURCE', 'OBJECT', 'MESSAGE'] : ['LAST', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']];
  for (const e of lines) {
    const row = [clock(e.last_at), e.type, reasonOf(e), e.object ?? '-', e.message];
    if (withResource) row.splice(3, 0, e.resource);
    rows.push(row);
  }
  return table(rows);
}

/** One line as it streams: the whole story on one row. */
export const eventLine = (e: EventLine) =>
  `${clock(e.last_at)}  ${e.type.padEnd(7)}  ${e.resource}  ${reasonOf(e)}${e.object ? ` ${e.object}` : ''}: ${e.message}\n`;
