import { DateTime } from 'luxon';
import type { CalendarName } from './store.js';

/** A line of a calendar file that cannot be read: nothing of the file is imported. */
export class CalendarFileError extends Error {
  constructor(
    /** The line it names, from 1; null for the file as a whole. */
    readonly line: number | null,
    message: string,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = 'CalendarFileError';
  }
}

/** One day of a calendar, as stored. */
export interface CalendarDay {
  day: string;
  value: string;
}

/** Tempo colours, in English or as the published French files write them. */
const TEMPO_VALUES: Record<string, string> = {
  BLUE: 'BLUE',
  WHITE: 'WHITE',
  RED: 'RED',
  BLEU: 'BLUE',
  BLANC: 'WHITE',
  ROUGE: 'RED',
};

/** EJP days: a peak day (also written EJP, or with no value), or a normal one. */
const EJP_VALUES: Record<string, string> = {
  '': 'PEAK',
  PEAK: 'PEAK',
  EJP: 'PEAK',
  NORMAL: 'NORMAL',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days of a published calendar file: lines `YYYY-MM-DD;VALUE` (or comma separated), a
 * header line allowed first, blank lines and `#` comments skipped. Tempo takes BLUE, WHITE, RED
 * or BLEU, BLANC, ROUGE; EJP takes the peak days alone, or with EJP, PEAK or NORMAL. Throws a
 * CalendarFileError naming the first line it cannot read.
 */
export function parseCalendarFile(calendar: CalendarName, text: string): CalendarDay[] {
  const values = calendar === 'TEMPO' ? TEMPO_VALUES : EJP_VALUES;
  const days = new Map<string, CalendarDay>();
  let seenContent = false;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = index + 1;
    const content = raw.replace(/^\uFEFF/, '').trim();
    if (content === '' || content.startsWith('#')) continue;
    const fields = content.split(/[;,\t]/).map((field) => field.trim());
    const [day = '', value = '', ...rest] = fields;
    const first = !seenContent;
    seenContent = true;
    if (!DAY.test(day)) {
      // A header names the columns; it is the first line that says anything.
      if (first && !/\d{4}-\d{2}-\d{2}/.test(content)) continue;
      throw new CalendarFileError(line, `"${day}" is not a date of the form YYYY-MM-DD`);
    }
    if (!DateTime.fromISO(day, { zone: 'utc' }).isValid)
      throw new CalendarFileError(line, `${day} is not a day of the calendar`);
    if (rest.some((field) => field !== ''))
      throw new CalendarFileError(line, 'expected a day and a value, found more fields');
    const stored = Object.hasOwn(values, value.toUpperCase())
      ? values[value.toUpperCase()]!
      : undefined;
    if (stored === undefined) {
      const allowed =
        calendar === 'TEMPO' ? 'BLUE, WHITE, RED (or BLEU, BLANC, ROUGE)' : 'EJP, PEAK or NORMAL';
      throw new CalendarFileError(line, `"${value}" is not a ${calendar} day: give ${allowed}`);
    }
    const known = days.get(day);
    if (known && known.value !== stored)
      throw new CalendarFileError(line, `${day} is given again with another value`);
    days.set(day, { day, value: stored });
  }
  if (days.size === 0) throw new CalendarFileError(null, 'the file holds no day');
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}
