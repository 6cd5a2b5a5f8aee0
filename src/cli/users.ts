import type { Config } from '../config.js';
import { ROLES, type Role } from '../identity/index.js';
import { print, required, UsageError, type Options } from './options.js';
import { withPlatform } from './platform.js';

/** `witty users create`: an account with a role. */
export async function createUser(config: Config, options: Options): Promise<number> {
  // Arguments are checked before the database is touched.
  const email = required(options, 'email');
  const password = required(options, 'password');
  const role = required(options, 'role');
  if (!ROLES.includes(role as Role))
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return withPlatform(config, async (platform) => {
    print(
      await platform.identity.createAccount({
        email,
        password,
        role: role as Role,
        firstName: (options['first-name'] as string | undefined) ?? null,
        lastName: (options['last-name'] as string | undefined) ?? null,
      }),
    );
    return 0;
  });
}
