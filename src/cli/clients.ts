import type { Config } from '../config.js';
import { isRedirectUri, registerClient } from '../identity/index.js';
import { print, required, UsageError, type Options } from './options.js';
import { withPlatform } from './platform.js';

/** `witty clients create`: registers an OAuth 2.0 client (public with PKCE unless a secret is given). */
export async function createClient(config: Config, options: Options): Promise<number> {
  const name = required(options, 'name');
  const redirectUris = options['redirect-uri'];
  if (!Array.isArray(redirectUris) || redirectUris.length === 0) {
    throw new UsageError('--redirect-uri is required');
  }
  for (const uri of redirectUris) {
    if (!isRedirectUri(uri)) {
      throw new UsageError(
        `--redirect-uri ${uri} must be an http(s) URL or a private-use scheme such as com.example.app:/callback`,
      );
    }
  }
  return withPlatform(config, async (platform) => {
    print(
      await registerClient(platform.identityStore, platform.clock, {
        name,
        redirectUris,
        ...(typeof options.secret === 'string' ? { secret: options.secret } : {}),
      }),
    );
    return 0;
  });
}
