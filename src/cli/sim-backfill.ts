import type { Config } from '../config.js';
import { DeviceError } from '../devices/index.js';
import {
  chargeModeOf,
  daysOf,
  print,
  subscriptionOf,
  UsageError,
  type Options,
} from './options.js';
import { withPlatform } from './platform.js';

/** `witty sim backfill`: the history a virtual home would have produced, through the ingest. */
export async function simBackfill(config: Config, options: Options): Promise<number> {
  const uids = (options.station as string[] | undefined) ?? [];
  if (uids.length === 0)
    throw new UsageError(
      'give at least one --station UID (associated, with TIC consent for grid data)',
    );
  const days = daysOf(options, 90);
  const subscription = subscriptionOf(options);
  const chargeMode = chargeModeOf(options);
  return withPlatform(config, async (platform) => {
    const { backfill } = await import('../demo/index.js');
    const results = [];
    for (const entry of uids) {
      const uid = entry.split(':')[0] ?? entry;
      if (!(await platform.stationStore.findByUid(uid)))
        throw new DeviceError(`station ${uid} is not associated with an installation`);
      results.push({
        uid,
        ...(await backfill(platform, {
          uid,
          days,
          end: new Date(),
          subscription,
          chargeMode,
        })),
      });
    }
    print(results);
    return 0;
  });
}
