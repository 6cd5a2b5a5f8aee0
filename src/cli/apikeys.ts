import type { Config } from '../config.js';
import { print, required, type Options } from './options.js';
import { withPlatform } from './platform.js';

/** `witty apikeys create`: a developer account with an approved Starter Pack subscription. */
export async function createApiKeys(config: Config, options: Options): Promise<number> {
  const email = required(options, 'email');
  return withPlatform(config, async (platform) => {
    print(await platform.identity.issueStarterPackKeys(email));
    return 0;
  });
}
