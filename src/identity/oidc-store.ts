import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';

const HASHED = 'sha256:';

/**
 * How a bearer value (token, code, session id, client secret) is kept at rest: its SHA-256,
 * never the value. These values are long random strings, so a fast hash is enough: a stolen
 * backup gives nothing to present to the provider.
 */
export function hashAtRest(value: string): string {
  return value.startsWith(HASHED)
    ? value
    : `${HASHED}${createHash('sha256').update(value).digest('hex')}`;
}

/**
 * The payload as stored: without its id (`jti`, the token, code or session id itself) and with
 * the session id an interaction refers to hashed.
 */
function payloadAtRest(payload: AdapterPayload): string {
  const rest = { ...payload };
  delete rest.jti;
  const session = rest.session;
  if (session?.cookie !== undefined) {
    rest.session = { ...session, cookie: hashAtRest(session.cookie) };
  }
  return JSON.stringify(rest);
}

/**
 * Persistence of the OpenID provider's models (sessions, interactions, grants, codes,
 * refresh tokens…) in the platform's store, so that a restart or another node sees them.
 * Rows are keyed by the hash of the model's id (hashAtRest): the id itself is the secret the
 * client or the browser holds, and is given back to the provider only when it presents it.
 * OAuth clients live in their own table and are read here for the `Client` model.
 */
export function oidcAdapterFactory(
  db: Kysely<Database>,
  clock: Clock,
  /** Told when grants may have been revoked (after the change is stored). */
  grantsChanged: () => void = () => undefined,
) {
  return class KyselyOidcAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        model: this.model,
        id: hashAtRest(id),
        payload: payloadAtRest(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode === undefined ? null : hashAtRest(payload.userCode),
        uid: payload.uid ?? null,
        expires_at: expiresIn
          ? new Date(clock.now().getTime() + expiresIn * 1000).toISOString()
          : null,
        consumed_at: null,
      };
      await db
        .insertInto('oidc_payloads')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['model', 'id']).doUpdateSet({
            payload: row.payload,
            grant_id: row.grant_id,
            user_code: row.user_code,
            uid: row.uid,
            expires_at: row.expires_at,
          }),
        )
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const client = await db
          .selectFrom('oauth_clients')
          .select('metadata')
          .where('client_id', '=', id)
          .executeTakeFirst();
        return client ? (JSON.parse(client.metadata) as AdapterPayload) : undefined;
      }
      const payload = await this.findWhere('id', hashAtRest(id));
      return payload && { ...payload, jti: id };
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('user_code', hashAtRest(userCode));
    }

    // A session found by its uid (not its id) is only read by the provider, never saved.
    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.findWhere('uid', uid);
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_payloads')
        .set({ consumed_at: clock.now().toISOString() })
        .where('model', '=', this.model)
        .where('id', '=', hashAtRest(id))
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db
        .deleteFrom('oidc_payloads')
        .where('model', '=', this.model)
        .where('id', '=', hashAtRest(id))
        .execute();
      if (this.model === 'Grant') grantsChanged();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
      grantsChanged();
    }

    private async findWhere(
      column: 'id' | 'user_code' | 'uid',
      value: string,
    ): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_payloads')
        .select(['id', 'payload', 'expires_at', 'consumed_at'])
        .where('model', '=', this.model)
        .where(column, '=', value)
        .executeTakeFirst();
      if (!row) return undefined;
      if (row.expires_at !== null && row.expires_at <= clock.now().toISOString()) return undefined;
      const payload = { jti: row.id, ...(JSON.parse(row.payload) as AdapterPayload) };
      if (row.consumed_at !== null) {
        payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
      }
      return payload;
    }
  };
}

/** Whether a grant of the provider still stands: stored, and not expired. */
export async function grantStands(
  db: Kysely<Database>,
  clock: Clock,
  grantId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('oidc_payloads')
    .select('expires_at')
    .where('model', '=', 'Grant')
    .where('id', '=', hashAtRest(grantId))
    .executeTakeFirst();
  return (
    row !== undefined && (row.expires_at === null || row.expires_at > clock.now().toISOString())
  );
}

/** Deletes expired provider state; returns how many rows went. */
export async function purgeExpiredOidcPayloads(
  db: Kysely<Database>,
  clock: Clock,
): Promise<number> {
  const result = await db
    .deleteFrom('oidc_payloads')
    .where('expires_at', '<=', clock.now().toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
