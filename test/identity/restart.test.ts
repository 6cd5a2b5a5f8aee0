import { expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { issueOperatorAccessToken } from '../../src/identity/index.js';
import { describeEachDialect, freshDatabase } from '../helpers/test-app.js';

describeEachDialect('signing keys and tokens across restarts', (dialect) => {
  it('a token issued before a restart is accepted after it; the key is not regenerated', async () => {
    const database = await freshDatabase(dialect);
    const config = loadConfig({ ...database.env, WITTY_LOG_LEVEL: 'silent' });
    try {
      const first = await buildApp(config);
      const { identity, provider, identityStore, clock, signingKeys } = first.platform;
      const account = await identity.createAccount({
        email: 'alice@example.com',
        password: 'a long password',
        role: 'owner',
      });
      const { primaryKey } = await identity.issueStarterPackKeys('dev@example.com');
      const { access_token } = await issueOperatorAccessToken(
        provider,
        { config, identityStore, clock },
        account.accountId,
      );
      await first.close();

      const second = await buildApp(config);
      try {
        expect(second.platform.signingKeys.map((key) => key.kid)).toEqual(
          signingKeys.map((key) => key.kid),
        );
        const response = await second.inject({
          url: '/v1/installations',
          headers: {
            'ocp-apim-subscription-key': primaryKey,
            authorization: `Bearer ${access_token}`,
          },
        });
        expect(response.statusCode).toBe(200);
        const jwks = (await second.inject('/oauth2/jwks')).json();
        expect(jwks.keys.map((key: { kid: string }) => key.kid)).toEqual(
          signingKeys.map((key) => key.kid),
        );
        expect(jwks.keys[0]).not.toHaveProperty('d'); // public halves only
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  });
});
