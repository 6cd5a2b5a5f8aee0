import fs from 'node:fs';
import type { Config } from '../config.js';
import { CalendarFileError, parseCalendarFile } from '../grid/index.js';
import { print, required, StartError, UsageError, type Options } from './options.js';
import { withPlatform } from './platform.js';

/**
 * `witty tariff-calendar import --calendar TEMPO|EJP --file PATH`: the published day calendar,
 * national data, written by the operator. The whole file is read first: a line it cannot read
 * stops the import before anything is written; otherwise every day is written in one transaction.
 */
export async function importTariffCalendar(config: Config, options: Options): Promise<number> {
  const calendar = required(options, 'calendar').toUpperCase();
  if (calendar !== 'TEMPO' && calendar !== 'EJP')
    throw new UsageError('--calendar must be TEMPO or EJP');
  const file = required(options, 'file');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new StartError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let days;
  try {
    days = parseCalendarFile(calendar, text);
  } catch (error) {
    if (error instanceof CalendarFileError)
      throw new StartError(`${file}: ${error.message}; nothing was imported`);
    throw error;
  }
  return withPlatform(config, async (platform) => {
    const updatedAt = platform.clock.now().toISOString();
    await platform.uow.run((stores) =>
      stores.grid.upsertCalendarDays(
        days.map(({ day, value }) => ({ calendar, day, value, updated_at: updatedAt })),
      ),
    );
    print({ calendar, imported: days.length, from: days[0]!.day, to: days.at(-1)!.day });
    return 0;
  });
}
