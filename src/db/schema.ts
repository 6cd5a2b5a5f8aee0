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
  /** When the owner of the address confirmed it (null: a portal sign-up not yet confirmed). */
  email_confirmed_at: Timestamp | null;
  /** The language of the account's mails: en-GB | fr-FR | de-DE. */
  culture: string;
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
  /** What the administrator wrote when rejecting it. */
  decision_reason: string | null;
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
  /** The developer who registered it on the portal; null for an operator's (`witty clients`). */
  owner_account_id: ColumnType<string | null, string | null | undefined, string | null>;
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

export interface DevicesTable {
  uid: string;
  serial_number: string;
  mac_address: string | null;
  production_date: Timestamp;
  product_reference: string;
  secret_hash: string;
  created_at: Timestamp;
  connected: ColumnType<Flag, Flag | undefined, Flag>;
  last_seen_at: Timestamp | null;
  last_heartbeat_at: Timestamp | null;
  heartbeat_interval: ColumnType<number, number | undefined, number>;
  booted_at: Timestamp | null;
  vendor: string | null;
  model: string | null;
  firmware_version: string | null;
  firmware_status: string | null;
  diagnostics_status: string | null;
  wifi_ssid: string | null;
  phase_number: string | null;
  erl_connected: Flag | null;
  tic_connected: string | null;
  night_mode_connected: string | null;
  shedding_mode: string | null;
  connectivity_type: string | null;
  key_switch: string | null;
  evcs_locked: Flag | null;
  charge_mode: string | null;
  /** 1 when the station does not know WittyChargeMode and the platform applies the mode. */
  charge_mode_by_platform: ColumnType<Flag, Flag | undefined, Flag>;
  led_power: number | null;
  /** JSON object {"tariff1": "hc", …} as reported by the station. */
  tariff_classes: string | null;
  last_cybersecurity_event: number | null;
  last_cybersecurity_at: Timestamp | null;
  /** JSON {connectorId: {wh, at}}: each connector's latest register reading. */
  registers: ColumnType<string | null, string | null | undefined, string | null>;
  /** The error code the station's last error event announced (null before the first). */
  error_event_code: ColumnType<number | null, number | null | undefined, number | null>;
  /** The station's clock minus the platform's, from its latest timestamped message. */
  clock_offset_ms: ColumnType<number | null, number | null | undefined, number | null>;
  /** 1 when the charger lists SmartCharging in SupportedFeatureProfiles, 0 when not or it failed. */
  smart_charging: ColumnType<Flag | null, Flag | null | undefined, Flag | null>;
  /** The tariff class (hc, hp) the platform last drove the charger by. */
  charge_tariff: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the platform plans the charger's charge again: its next tariff switch. */
  charge_next_switch_at: ColumnType<
    Timestamp | null,
    Timestamp | null | undefined,
    Timestamp | null
  >;
  /** End of the tariff profile (TxDefaultProfile) the charger accepted; null when none. */
  charge_profile_until: ColumnType<
    Timestamp | null,
    Timestamp | null | undefined,
    Timestamp | null
  >;
  /** The owner's manual start or stop, in force until the next tariff switch. */
  charge_override: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ConnectorStatesTable {
  uid: string;
  connector_id: number;
  status: string;
  error_code: string;
  vendor_error_code: string | null;
  updated_at: Timestamp;
}

export interface ChargingStationsTable {
  id: string;
  uid: string;
  installation_id: number;
  installation_date: Timestamp;
  timezone: string;
  culture: string;
  friendly_name: string | null;
  average_ev_consumption: number | null;
  authorize_tic: ColumnType<Flag, Flag | undefined, Flag>;
}

export interface ChargingSessionsTable {
  id: Generated<number>;
  uid: string;
  station_id: string | null;
  connector_id: number;
  id_tag: string;
  started_at: Timestamp;
  meter_start_wh: number;
  last_meter_wh: number;
  last_meter_at: Timestamp;
  power_w: number | null;
  charging_since: Timestamp | null;
  charging_seconds: ColumnType<number, number | undefined, number>;
  stopped_at: Timestamp | null;
  stop_reason: string | null;
  /** 1 for a transaction refused at its start (Blocked): never one of the owner's sessions. */
  refused: ColumnType<number, number | undefined, number>;
}

export interface StationCommandsTable {
  id: string;
  /** Null for a platform command to a device not associated yet. */
  station_id: string | null;
  uid: string;
  type: string;
  request: string;
  status: 'pending' | 'accepted' | 'rejected' | 'timedOut';
  /** JSON array of the OCPP calls made and their answers. */
  calls: string;
  requested_by: string;
  created_at: Timestamp;
  completed_at: Timestamp | null;
  /** When a pending command is overdue: one command timeout per OCPP call, from its creation. */
  deadline_at: Timestamp | null;
}

export interface GridMetersTable {
  id: string;
  station_id: string;
  installation_id: number;
  uid: string;
  tic_type: number | null;
  subscription: string | null;
  current_tariff: string | null;
  /** JSON object {tariffId: index in Wh}. */
  indexes: string | null;
  total_index_wh: number | null;
  intensity_subscribed: number | null;
  last_tic_at: Timestamp | null;
  /** The owner's declared subscription when there is no TIC: BASE | HCHP | TEMPO | EJP. */
  declared_subscription: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON array of the declared off-peak windows, "HH:MM-HH:MM" in local time. */
  off_peak_hours: ColumnType<string | null, string | null | undefined, string | null>;
  declared_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
}

/** A day of a published calendar: a Tempo colour (BLUE | WHITE | RED) or an EJP day (PEAK). */
export interface TariffCalendarDaysTable {
  calendar: 'TEMPO' | 'EJP';
  /** The local day, YYYY-MM-DD. */
  day: string;
  value: string;
  updated_at: Timestamp;
}

/** One 10-minute sample of a measure; `at` is the start of the interval it covers. */
export interface MeasureSamplesTable {
  id: Generated<number>;
  device_id: string;
  measure: string;
  at: Timestamp;
  tariff: string;
  value: number;
  /** The charging session a station sample belongs to. */
  session_id: number | null;
}

/** Statistics of a measure per tariff over an hour (UTC) or a local day. */
export interface MeasureRollupTable {
  device_id: string;
  measure: string;
  tariff: string;
  bucket_start: Timestamp;
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface LogRecordsTable {
  id: Generated<number>;
  device_id: string;
  log_name: string;
  at: Timestamp;
  /** JSON value of the record, as the API shows it. */
  value: string;
}

export interface TariffPricesTable {
  id: Generated<number>;
  installation_id: number;
  tariff_id: string;
  currency: string;
  friendly_name: string | null;
  begin_date: Timestamp;
  value: number;
  created_at: Timestamp;
}

/** The whole schema, as Kysely sees it. */
/** The guide's event subscription (Event Grid's model) on an installation. */
export interface EventSubscriptionsTable {
  id: string;
  installation_id: number;
  account_id: string;
  protocol_code: string;
  endpoint_url: string;
  event_type: string | null;
  subject_begins_with: string;
  subject_ends_with: string;
  state: 'AwaitingValidation' | 'Created' | 'Failed' | 'Disabled';
  state_reason: string | null;
  validation_code: string | null;
  validation_expires_at: Timestamp | null;
  /** The Standard Webhooks signing secret (`whsec_…`). */
  secret: string;
  /** The secret before the last rotation, still signing until previous_secret_expires_at. */
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  created_at: Timestamp;
  modified_at: Timestamp | null;
  last_success_at: Timestamp | null;
}

/** An event raised by a state change, with the Event Grid envelope's fields. */
export interface EventsTable {
  id: string;
  installation_id: number;
  station_id: string;
  type: string;
  subject: string;
  /** JSON of the event's data. */
  data: string;
  event_time: Timestamp;
  created_at: Timestamp;
}

/** One event to deliver to one subscription: the outbox. */
export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  subscription_id: string;
  state: 'pending' | 'delivered' | 'failed';
  attempt_count: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp | null;
  /** A worker holds the delivery until then; past it, any worker may take it again. */
  lease_until: Timestamp | null;
  /** When the current run of failures began (null after a success). */
  first_failure_at: Timestamp | null;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: string;
  attempted_at: Timestamp;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** One e-mail, rendered when it was queued: the mail outbox and the local outbox. */
export interface MailsTable {
  id: string;
  to_address: string;
  /** The message kind (invitation, stationError, …). */
  kind: string;
  culture: string;
  subject: string;
  text: string;
  html: string;
  /** JSON of the message the mail was rendered from. */
  message: string;
  /** pending → sent (SMTP) or local (no SMTP server: kept in the local outbox), or failed. */
  state: 'pending' | 'sent' | 'local' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp | null;
  /** A worker holds the mail until then; past it, any worker may take it again. */
  lease_until: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

/** What the owner was last told of one error code of one station. */
export interface StationAlertsTable {
  station_id: string;
  code: number;
  /** When a raise of this code was last mailed (the hourly limit). */
  raised_mailed_at: Timestamp | null;
  /** 1 while the latest raise of this code was mailed and its clearing not yet. */
  clear_due: ColumnType<Flag, Flag | undefined, Flag>;
}

/** An account's notification settings (no row: the defaults). */
export interface NotificationSettingsTable {
  account_id: string;
  station_error_emails: Flag;
  updated_at: Timestamp;
}

/** An owner's invitation of an installer; the activation code is kept as its SHA-256 hash. */
export interface InvitationsTable {
  id: string;
  installation_id: number;
  email: string;
  culture: 'en-GB' | 'fr-FR' | 'de-DE';
  code_hash: string;
  invited_by: string;
  state: 'pending' | 'accepted' | 'cancelled' | 'replaced';
  created_at: Timestamp;
  expires_at: Timestamp;
  /** When the invitation stopped being pending. */
  ended_at: Timestamp | null;
  /** The account that accepted, and its address then (it may differ from `email`). */
  accepted_by: string | null;
  accepted_email: string | null;
}

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
  devices: DevicesTable;
  connector_states: ConnectorStatesTable;
  charging_stations: ChargingStationsTable;
  charging_sessions: ChargingSessionsTable;
  station_commands: StationCommandsTable;
  grid_meters: GridMetersTable;
  measure_samples: MeasureSamplesTable;
  measure_hours: MeasureRollupTable;
  measure_days: MeasureRollupTable & { local_day: string };
  log_records: LogRecordsTable;
  tariff_prices: TariffPricesTable;
  tariff_calendar_days: TariffCalendarDaysTable;
  event_subscriptions: EventSubscriptionsTable;
  events: EventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  mails: MailsTable;
  station_alerts: StationAlertsTable;
  notification_settings: NotificationSettingsTable;
  invitations: InvitationsTable;
  web_sessions: WebSessionsTable;
  account_links: AccountLinksTable;
  sandboxes: SandboxesTable;
  history_backfills: HistoryBackfillsTable;
  job_leases: JobLeasesTable;
}

/** A signed-in browser of the portal; the cookie holds the id, the table its SHA-256 hash. */
export interface WebSessionsTable {
  id_hash: string;
  account_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** A single-use link sent by mail (address confirmation, password reset), by its token's hash. */
export interface AccountLinksTable {
  token_hash: string;
  account_id: string;
  purpose: 'confirm-email' | 'reset-password';
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** The try-it sandbox of an approved subscription: an owner, an installation, a virtual station. */
export interface SandboxesTable {
  subscription_id: string;
  owner_account_id: string;
  installation_id: number;
  station_uid: string;
  created_at: Timestamp;
}

/** The plan of a station's history backfill and how far it is stored (demo/history-store.ts). */
export interface HistoryBackfillsTable {
  uid: string;
  start_at: Timestamp;
  end_at: Timestamp;
  subscription: string;
  charge_mode: string;
  intensity_subscribed: number;
  zone: string;
  /** The first step not stored yet (start_at before the first batch, end_at once complete). */
  done_until: Timestamp;
  /** The transaction the history left open at done_until, if any. */
  open_transaction_id: number | null;
  completed_at: Timestamp | null;
}

/** Which node runs a periodic job for the current interval, until when (src/jobs.ts). */
export interface JobLeasesTable {
  name: string;
  node: string;
  lease_until: Timestamp;
}
