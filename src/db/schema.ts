import type { ColumnType, Generated } from 'kysely';

/** Timestamps are stored as ISO-8601 UTC strings on both dialects (sortable, exact). */
type Timestamp = string;
/** Booleans are 0/1 integers on both dialects (SQLite has no boolean type). */
type Flag = number;

export interface AccountsTable {
  id: string;
  email: string;
  password_hash: string;
  role: 'owner' | 'installer' | 'developer' | 'admin';
  first_name: string | null;
  last_name: string | null;
  enabled: Flag;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductsTable {
  id: string;
  name: string;
  description: string;
  approval_required: Flag;
  created_at: Timestamp;
}

export interface SubscriptionsTable {
  id: string;
  account_id: string;
  product_id: string;
  name: string;
  state: 'pending' | 'approved' | 'rejected' | 'suspended';
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SubscriptionKeysTable {
  id: Generated<number>;
  subscription_id: string;
  slot: 'primary' | 'secondary';
  key_hash: string;
  key_hint: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface OauthClientsTable {
  client_id: string;
  name: string;
  metadata: string;
  created_at: Timestamp;
}

export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface SigningKeysTable {
  kid: string;
  private_jwk: string;
  created_at: Timestamp;
}

export interface PlatformSecretsTable {
  name: string;
  value: string;
  created_at: Timestamp;
}

export interface InstallationsTable {
  id: Generated<number>;
  name: string;
  location_name: string;
  latitude: number;
  longitude: number;
  external_id: string | null;
  application_code: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InstallationUsersTable {
  installation_id: number;
  account_id: string;
  role_code: 'owner' | 'installer';
  enabled: Flag;
  created_at: ColumnType<Timestamp, Timestamp, never>;
}

/** The whole schema, as Kysely sees it. */
export interface Database {
  accounts: AccountsTable;
  products: ProductsTable;
  subscriptions: SubscriptionsTable;
  subscription_keys: SubscriptionKeysTable;
  oauth_clients: OauthClientsTable;
  oidc_payloads: OidcPayloadsTable;
  signing_keys: SigningKeysTable;
  platform_secrets: PlatformSecretsTable;
  installations: InstallationsTable;
  installation_users: InstallationUsersTable;
}
