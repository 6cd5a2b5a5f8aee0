import { buildPlatform, type Platform } from '../app.js';
import type { Config } from '../config.js';

/** Runs an operator's work on the platform's services (no HTTP server), then closes the store. */
export async function withPlatform<T>(
  config: Config,
  work: (platform: Platform) => Promise<T>,
): Promise<T> {
  const platform = await buildPlatform(config);
  try {
    return await work(platform);
  } finally {
    await platform.closeNotifications();
    await platform.store.close();
  }
}
