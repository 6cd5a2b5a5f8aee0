import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

// The same form as identity/oidc-store.ts hashAtRest, frozen here as this migration wrote it.
const HASHED = 'sha256:';
const hash = (value: string) =>
  value.startsWith(HASHED) ? value : `${HASHED}${createHash('sha256').update(value).digest('hex')}`;

interface Tables {
  oidc_payloads: { model: string; id: string; payload: string; user_code: string | null };
  oauth_clients: { client_id: string; metadata: string };
}

/**
 * OAuth secrets at rest: the provider's rows (sessions, codes, refresh tokens…) were keyed by
 * the token itself and client secrets kept in clear. Existing rows are re-keyed by the hash, so
 * signed-in users and issued refresh tokens keep working; nothing can be restored on the way down.
 */
export function oauthSecretsHashed() {
  return {
    async up(untyped: Kysely<unknown>): Promise<void> {
      const db = untyped as unknown as Kysely<Tables>;
      const rows = await db
        .selectFrom('oidc_payloads')
        .select(['model', 'id', 'payload', 'user_code'])
        .execute();
      for (const row of rows) {
        const payload = JSON.parse(row.payload) as Record<string, unknown>;
        delete payload.jti;
        const session = payload.session as { cookie?: string } | undefined;
        if (typeof session?.cookie === 'string') {
          payload.session = { ...session, cookie: hash(session.cookie) };
        }
        await db
          .updateTable('oidc_payloads')
          .set({
            id: hash(row.id),
            payload: JSON.stringify(payload),
            user_code: row.user_code === null ? null : hash(row.user_code),
          })
          .where('model', '=', row.model)
          .where('id', '=', row.id)
          .execute();
      }
      const clients = await db
        .selectFrom('oauth_clients')
        .select(['client_id', 'metadata'])
        .execute();
      for (const client of clients) {
        const metadata = JSON.parse(client.metadata) as { client_secret?: string };
        if (typeof metadata.client_secret !== 'string') continue;
        metadata.client_secret = hash(metadata.client_secret);
        await db
          .updateTable('oauth_clients')
          .set({ metadata: JSON.stringify(metadata) })
          .where('client_id', '=', client.client_id)
          .execute();
      }
    },
    async down(): Promise<void> {
      // Hashes cannot be turned back into secrets: the rows stay as they are.
    },
  };
}
