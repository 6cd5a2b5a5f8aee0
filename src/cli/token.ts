import type { Config } from '../config.js';
import { IdentityError, issueOperatorAccessToken } from '../identity/index.js';
import { print, required, type Options } from './options.js';
import { withPlatform } from './platform.js';

/** `witty token`: an access token for an account, issued by the operator. */
export async function issueToken(config: Config, options: Options): Promise<number> {
  const email = required(options, 'email');
  return withPlatform(config, async (platform) => {
    const account = await platform.identity.findAccountByEmail(email);
    if (!account) throw new IdentityError(`no account for ${email}`);
    if (!account.enabled) throw new IdentityError(`the account ${email} is disabled`);
    print(
      await issueOperatorAccessToken(platform.provider, { config, ...platform }, account.accountId),
    );
    return 0;
  });
}
