import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type Provider from 'oidc-provider';
import type { JWK } from 'oidc-provider';
import { systemClock, type Clock } from './clock.js';
import { runs, type Config } from './config.js';
import { openStore, type Store } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { UnitOfWork, type CommitHooks, type Executor } from './db/unit-of-work.js';
import type { Dialect } from './db/database.js';
import type { EventType } from './domain/events.js';
import { ApiError } from './errors.js';
import type { Job } from './jobs.js';
import { AttemptLimiter, SignInThrottle } from './http/attempt-limiter.js';
import { OPERATIONS_PATHS, registerOperations } from './http/operations.js';
import { NatsStationBus } from './bus/index.js';
import {
  clientErrorHandler,
  frameworkErrorProblem,
  registerProblemHandlers,
  sendProblem,
} from './http/problem.js';
import { SHARED_SCHEMAS } from './http/schemas.js';
import { registerNulCheck, schemaController } from './http/validation.js';
import { API_REFERENCE_CLIENT_ID, openApiOptions, registerApiReference } from './http/openapi.js';
import {
  CallerCache,
  IdentityService,
  IdentityStore,
  createOidcProvider,
  grantStands,
  loadSigningKeys,
  purgeExpiredOidcPayloads,
  registerApiAuthentication,
  issueOperatorAccessToken,
  registerClient,
  registerOidcRoutes,
} from './identity/index.js';
import {
  InstallationAccess,
  registerAccessControl,
  installationRoutes,
  InstallationSchema,
  InstallationService,
  InstallationStore,
} from './installations/index.js';
import {
  DeliverySchema,
  DeliveryWorker,
  EventOutbox,
  EventSubscriptionSchema,
  EventSubscriptionService,
  NotificationStore,
  createWebhookPoster,
  deliveryMetrics,
  eventSubscriptionRoutes,
  webhookValidationRoutes,
  type WebhookPoster,
} from './notifications/index.js';
import {
  localOutbox,
  mailMetrics,
  MailQueue,
  MailStore,
  MailWorker,
  NotificationSettingsSchema,
  NotificationSettingsService,
  notificationSettingsRoutes,
  smtpTransport,
  StationAlerts,
} from './mail/index.js';
import { PortalService, PortalStore, portalRoutes } from './portal/index.js';
import {
  CALLBACK_PATH,
  DASHBOARD_CLIENT_ID,
  DASHBOARD_SCOPES,
  dashboardRoutes,
  ensureDashboardSubscription,
} from './dashboard/index.js';
import { SandboxService, SandboxStore } from './sandbox/index.js';
import {
  afterCommitMailer,
  InstallationUserSchema,
  InvitationStatusSchema,
  SharingService,
  SharingStore,
  sharingRoutes,
  invitationPageRoutes,
  type SharingMailer,
} from './sharing/index.js';
import { DeviceError, DeviceService, DeviceStore } from './devices/index.js';
import { OCPP_PATH, OcppGateway } from './gateway/index.js';
import {
  ChargeDriver,
  StationCommandRunner,
  DeviceStateService,
  stationRoutes,
  ChargingStationSchema,
  CommandSchema,
  StationService,
  StationStore,
  type StationRow,
} from './stations/index.js';
import {
  GridStore,
  gridRoutes,
  GridMeterSchema,
  TariffSchema,
  GridService,
  ingestTic,
  loadTariffSource,
  stationPricing,
} from './grid/index.js';
import { classPeriods } from './domain/tariff-schedule.js';
import {
  AggregationRowSchema,
  LogCountSchema,
  LogEntrySchema,
  LogSchema,
  MeasureSchema,
  TelemetryService,
  TelemetryStore,
  bufferedRecorder,
  measureRecorder,
  ensureSamplePartitions,
  purgeSamplesBefore,
} from './telemetry/index.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What buildApp may be given instead of its defaults (tests swap the clock or the store). */
export interface AppDependencies {
  clock?: Clock;
  /** An open, migrated store; when given, the caller closes it. */
  store?: Store;
  /** Skip migrations (the caller ran them). */
  skipMigrations?: boolean;
  /** Where JSON log lines go (standard output by default). */
  logStream?: { write(line: string): void };
  /** Receives sharing mails (invitations, owner notices) after commit instead of the mail queue. */
  sharingMailer?: SharingMailer;
}

/** The platform's services, for the CLI and tests. */
export interface Platform {
  store: Store;
  clock: Clock;
  /** One transaction per change, with every store bound to it. */
  uow: UnitOfWork<PlatformStores>;
  identity: IdentityService;
  identityStore: IdentityStore;
  /** What the API's authentication already checked (emptied by any identity change here). */
  callerCache: CallerCache;
  provider: Provider;
  signingKeys: JWK[];
  installations: InstallationService;
  access: InstallationAccess;
  devices: DeviceService;
  deviceStore: DeviceStore;
  stationStore: StationStore;
  gridStore: GridStore;
  telemetry: TelemetryService;
  deviceState: DeviceStateService;
  /**
   * Units of work for history fed by the thousand (the demo's backfill): the same stores, but a
   * unit's measure samples are stored at its end in one statement per table.
   */
  historyUow: UnitOfWork<PlatformStores>;
  notifications: NotificationStore;
  eventSubscriptions: EventSubscriptionService;
  sharing: SharingService;
  /** Posts the webhook outbox; started by `witty serve` (buildPlatform starts nothing). */
  deliveries: DeliveryWorker;
  /** The mail outbox (local outbox included), for the CLI. */
  mailStore: MailStore;
  /** Sends the mail outbox; started by `witty serve`. */
  mails: MailWorker;
  notificationSettings: NotificationSettingsService;
  /** The developer portal's accounts, sessions, subscriptions and decisions. */
  portal: PortalService;
  /** Ends what the platform opened besides the store (webhook and SMTP connections). */
  closeNotifications(): Promise<void>;
  /** Gives the platform's mail hand-over the application's log. */
  useLog(log: FastifyBaseLogger): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform;
    gateway: OcppGateway;
    /** Periodic work, started by `witty serve` (buildApp starts no timer for it). */
    jobs: readonly Job[];
    /** Drives the chargers that do not apply their charge mode themselves. */
    chargeDriver: ChargeDriver;
    /** The try-it sandboxes of approved subscriptions (their stations run in `witty serve`). */
    sandboxes: SandboxService;
  }
}

/** What the stores need besides their executor. */
interface StoreContext {
  dialect: Dialect;
  clock: Clock;
  /** Tells the webhook worker that events were committed. */
  wakeDeliveries: () => void;
  /** Tells the mail worker that mails were committed. */
  wakeMail: () => void;
  /** The sharing mailer bound to a unit of work; null: the unit's mail queue. */
  sharingMail: ((db: Executor, hooks: CommitHooks) => SharingMailer) | null;
  /** Told when a key, a subscription or an account changed (the API's caller cache forgets). */
  identityChanged: () => void;
}

/**
 * Every store, bound to one executor: the database, or the transaction of a unit of work. With
 * `bufferSamples`, a unit's measure samples are stored at its end, together (history backfill).
 */
function storesOn(db: Executor, hooks: CommitHooks, context: StoreContext, bufferSamples = false) {
  const grid = new GridStore(db);
  const telemetry = new TelemetryStore(db);
  const measures =
    bufferSamples && db.isTransaction
      ? bufferedRecorder(telemetry, (flush) => hooks.beforeCommit(flush))
      : measureRecorder(telemetry);
  const notifications = new NotificationStore(db, context.dialect);
  const outbox = new EventOutbox(notifications, hooks, context.clock, () =>
    context.wakeDeliveries(),
  );
  const mailStore = new MailStore(db, context.dialect);
  const mail = new MailQueue(db, hooks, context.clock, () => context.wakeMail());
  const alerts = new StationAlerts(mailStore, mail, context.clock);
  return {
    notifications,
    /** The webhook outbox alone (events raised by stations also feed the owner's alerts). */
    outbox,
    mail,
    mailStore,
    // A station's events go to the webhook outbox and to the owner's e-mail alerts, together.
    events: {
      async raise(station: StationRow, type: EventType, data: Record<string, unknown>, at: string) {
        await outbox.raise(station, type, data, at);
        await alerts.raise(station, type, data, at);
      },
    },
    identity: new IdentityStore(db, () => hooks.afterCommit(context.identityChanged)),
    portal: new PortalStore(db),
    installations: new InstallationStore(db),
    sharing: new SharingStore(db),
    sharingMail: context.sharingMail ? context.sharingMail(db, hooks) : mail,
    devices: new DeviceStore(db),
    stations: new StationStore(db),
    grid,
    telemetry,
    measures,
    gridIngest: {
      pricing: (station: StationRow) => stationPricing(grid, station),
      tic: (station: StationRow | undefined, labels: Record<string, string>, at: string) =>
        ingestTic({ grid, measures }, station, labels, at),
    },
  };
}

/** The stores of one unit of work. */
export type PlatformStores = ReturnType<typeof storesOn>;

/** Opens the store, migrates it and wires the services, without any HTTP server. */
export async function buildPlatform(config: Config, deps: AppDependencies = {}): Promise<Platform> {
  const clock = deps.clock ?? systemClock;
  const store = deps.store ?? openStore(config.database);
  try {
    if (!deps.skipMigrations) await migrateToLatest(store);
    // Keys, tokens, accounts and grants the API has checked; any change here empties it.
    const callerCache = new CallerCache({ ttlMs: config.http.authCacheSeconds * 1000 });
    const identityChanged = () => callerCache.clear();
    const identityStore = new IdentityStore(store.db, identityChanged);
    const identity = new IdentityService(identityStore, clock);
    const signingKeys = await loadSigningKeys(identityStore, clock);
    const provider = await createOidcProvider({
      config,
      db: store.db,
      identity,
      identityStore,
      clock,
      signingKeys,
      grantsChanged: identityChanged,
    });
    // Sharing mails are queued in the change's transaction (the unit's mail queue), unless a
    // mailer is given: it then receives them once the change commits.
    const mailLog: { current?: FastifyBaseLogger } = {};
    const sharingMailer = deps.sharingMailer;
    const storeContext: StoreContext = {
      dialect: store.dialect,
      clock,
      wakeDeliveries: () => undefined,
      wakeMail: () => undefined,
      identityChanged,
      sharingMail: sharingMailer
        ? (_db, hooks) =>
            afterCommitMailer(sharingMailer, hooks, (error, message) =>
              mailLog.current?.error(
                { err: error, mail: { kind: message.kind } },
                'sharing mail not queued',
              ),
            )
        : null,
    };
    const uow = new UnitOfWork(store.db, (db, hooks) => storesOn(db, hooks, storeContext));
    const {
      installations: installationStore,
      devices: deviceStore,
      stations: stationStore,
    } = uow.read;
    const access = new InstallationAccess(installationStore);
    const { webhooks } = config;
    const posters: WebhookPoster[] = [];
    const poster = (timeoutMs: number) => {
      const created = createWebhookPoster({
        timeoutMs,
        maxResponseBytes: 64 * 1024,
        allowPrivate: webhooks.allowPrivate,
        connectionsPerOrigin: webhooks.endpointConcurrency,
      });
      posters.push(created);
      return created;
    };
    const deliveries = new DeliveryWorker({
      store: uow.read.notifications,
      poster: poster(webhooks.timeoutMs),
      clock,
      settings: {
        retryDelaysSeconds: webhooks.retryDelaysSeconds,
        timeoutMs: webhooks.timeoutMs,
        concurrency: webhooks.concurrency,
        endpointConcurrency: webhooks.endpointConcurrency,
        pollMs: webhooks.pollMs,
      },
    });
    storeContext.wakeDeliveries = () => deliveries.wake();
    const mailTransport = config.mail.smtpUrl
      ? smtpTransport(config.mail.smtpUrl, config.mail.from)
      : localOutbox;
    const mails = new MailWorker({
      store: uow.read.mailStore,
      transport: mailTransport,
      clock,
      settings: {
        retryDelaysSeconds: config.mail.retryDelaysSeconds,
        pollMs: 1000,
        concurrency: 4,
      },
    });
    storeContext.wakeMail = () => mails.wake();
    return {
      store,
      clock,
      uow,
      identity,
      identityStore,
      callerCache,
      provider,
      signingKeys,
      installations: new InstallationService(installationStore, access, clock),
      access,
      devices: new DeviceService(deviceStore, clock),
      deviceStore,
      stationStore,
      gridStore: uow.read.grid,
      telemetry: new TelemetryService({ telemetry: uow.read.telemetry }),
      deviceState: new DeviceStateService(uow, clock),
      historyUow: new UnitOfWork(store.db, (db, hooks) => storesOn(db, hooks, storeContext, true)),
      notifications: uow.read.notifications,
      eventSubscriptions: new EventSubscriptionService({
        store: uow.read.notifications,
        access,
        clock,
        handshake: poster(webhooks.validationTimeoutMs),
        publicUrl: config.publicUrl,
        allowPrivate: webhooks.allowPrivate,
        wake: () => deliveries.wake(),
      }),
      sharing: new SharingService({
        uow,
        access,
        clock,
        publicUrl: config.publicUrl,
        invitationTtlSeconds: config.invitationTtlSeconds,
      }),
      deliveries,
      mailStore: uow.read.mailStore,
      mails,
      notificationSettings: new NotificationSettingsService(uow.read.mailStore, clock),
      portal: new PortalService({
        uow,
        identity,
        clock,
        publicUrl: config.publicUrl,
        sessionTtlSeconds: config.portal.sessionTtlSeconds,
        registerClient: (input) => registerClient(identityStore, clock, input),
      }),
      useLog(log) {
        mailLog.current = log;
      },
      async closeNotifications() {
        await Promise.all([deliveries.stop(), mails.stop()]);
        await Promise.all([...posters.map((p) => p.close()), mailTransport.close()]);
      },
    };
  } catch (error) {
    if (!deps.store) await store.close();
    throw error;
  }
}

/** Builds the HTTP application (API, OpenID provider, docs, operations); never listens. */
export async function buildApp(
  config: Config,
  deps: AppDependencies = {},
): Promise<FastifyInstance> {
  const platform = await buildPlatform(config, deps);
  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(deps.logStream ? { stream: deps.logStream } : {}),
      redact: ['req.headers.authorization', 'req.headers["ocp-apim-subscription-key"]'],
      serializers: {
        // A subscription key sent in the query string must not reach the logs.
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: request.url.replace(/([?&]subscription-key=)[^&]*/gi, '$1[REDACTED]'),
          hostname: request.hostname,
          remoteAddress: request.ip,
        }),
      },
    },
    trustProxy: config.trustProxy,
    // Slow clients are closed: a whole request within requestTimeout, headers within
    // headersTimeout, no silence longer than connectionTimeout (upgraded WebSockets excepted).
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    bodyLimit: config.http.bodyLimitBytes,
    http: {
      requestTimeout: config.http.requestTimeoutMs,
      headersTimeout: config.http.headersTimeoutMs,
      maxHeaderSize: config.http.maxHeaderBytes,
      // Node checks the two timeouts above at this interval (30 s by default).
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1000, Math.floor(config.http.headersTimeoutMs / 4)),
      ),
    },
    clientErrorHandler,
    frameworkErrors: frameworkErrorProblem,
    // A caller's x-request-id is kept when short and printable; otherwise a new id is made, so
    // that no header can inject text into the logs or the answers.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    schemaController,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('platform', platform);
  platform.deliveries.useLog(app.log);
  platform.mails.useLog(app.log);
  platform.useLog(app.log);
  const gateway = new OcppGateway({
    devices: platform.devices,
    state: platform.deviceState,
    clock: platform.clock,
    log: app.log,
    callTimeoutMs: config.commandTimeoutMs,
    // OCPP 1.6 §5.8: after a boot the platform reads the station's settings (a tracked command).
    afterBoot: (station): Promise<() => void> => commands.configure(station),
    // A transaction started on a charger the platform drives: its profile, or its stop.
    afterStart: async (uid) => {
      await chargeDriver.plan(uid, 'started');
    },
    maxFrameBytes: config.ocppMaxFrameBytes,
  });
  app.decorate('gateway', gateway);
  // Between nodes, commands go over NATS to whichever node holds the station's connection.
  const natsBus = config.natsUrl
    ? await NatsStationBus.connect(config.natsUrl, config.nodeId, (error, context) =>
        app.log.warn({ err: error, context }, 'NATS bus'),
      )
    : undefined;
  // A key revoked, an account disabled or a grant revoked on one node empties every node's cache.
  if (natsBus) {
    platform.callerCache.onClear(() => natsBus.announce('identity'));
    natsBus.onChange('identity', () => platform.callerCache.drop());
  }
  if (natsBus && runs(config.role, 'gateway')) {
    natsBus.serve(gateway);
    gateway.reportPresence(natsBus);
  }
  const commands = new StationCommandRunner({
    uow: platform.uow,
    state: platform.deviceState,
    bus: natsBus ?? gateway,
    clock: platform.clock,
    log: app.log,
    timeoutMs: config.commandTimeoutMs,
  });
  // Generic chargers follow the tariff through the platform (src/stations/charge-driver.ts).
  const chargeDriver = new ChargeDriver({
    uow: platform.uow,
    state: platform.deviceState,
    commands,
    tariffs: async (station, from, to) =>
      classPeriods(
        (await loadTariffSource(platform.gridStore, station, from, to)).periods(from, to),
      ),
    clock: platform.clock,
    log: app.log,
    stopLeadMs: config.chargeStopLeadMs,
  });
  app.decorate('chargeDriver', chargeDriver);
  const stations = new StationService({
    stations: platform.stationStore,
    devices: platform.deviceStore,
    access: platform.access,
    commands,
    telemetry: platform.telemetry,
    clock: platform.clock,
  });
  const sandboxes = new SandboxService({
    store: new SandboxStore(platform.store.db),
    clock: platform.clock,
    accounts: platform.identity,
    installations: platform.installations,
    devices: platform.devices,
    stations: {
      findByUid: (uid) => platform.stationStore.findByUid(uid),
      associate: (caller, installationId, request) =>
        stations.associate(caller, installationId, request),
    },
    muteAlerts: (accountId) =>
      platform.mailStore.setStationErrorEmails(
        accountId,
        false,
        platform.clock.now().toISOString(),
      ),
  });
  app.decorate('sandboxes', sandboxes);
  // An approved subscription gets its sandbox at once, so that its station is live by the time
  // the developer opens the API reference (the reference makes it too, if this failed).
  platform.portal.onApproved((subscriptionId, developer) => {
    sandboxes
      .ensure(subscriptionId, developer)
      .catch((error: unknown) => app.log.error({ err: error, subscriptionId }, 'sandbox not made'));
  });
  const grid = new GridService({
    grid: platform.gridStore,
    uow: platform.uow,
    stations: platform.stationStore,
    devices: platform.deviceStore,
    access: platform.access,
    telemetry: platform.telemetry,
    commands,
    clock: platform.clock,
  });
  // With the embedded store this process is the only gateway: no station is connected yet.
  // (On PostgreSQL other nodes may hold connections; their flags stay.)
  // Likewise no delivery is being posted: the leases a stopped process left are freed.
  if (platform.store.dialect === 'sqlite') {
    await platform.deviceStore.disconnectAll();
    await platform.notifications.releaseLeases();
    await platform.mailStore.releaseLeases();
  }
  // Commands left pending by a process that stopped (a crash) time out by their deadline, on
  // any node: `witty serve` runs this at start and then once per command timeout.
  const jobs: Job[] = [
    {
      name: 'expire overdue commands',
      intervalMs: config.commandTimeoutMs,
      run: async () => {
        const now = platform.clock.now();
        const expired = await platform.stationStore.expireOverdueCommands(
          now.toISOString(),
          new Date(now.getTime() - config.commandTimeoutMs).toISOString(),
        );
        if (expired > 0) app.log.info({ expired }, 'overdue station commands timed out');
      },
    },
    {
      // Finished deliveries are kept WITTY_WEBHOOK_RETENTION_DAYS for their log, then dropped.
      name: 'purge old webhook events',
      intervalMs: 3600_000,
      run: async () => {
        const before = new Date(
          platform.clock.now().getTime() - config.webhooks.retentionDays * 86_400_000,
        ).toISOString();
        const purged = await platform.notifications.purgeFinished(before);
        if (purged > 0) app.log.info({ purged }, 'old webhook events purged');
      },
    },
    {
      // Expired sessions, codes and tokens of the OpenID provider.
      name: 'purge expired OpenID state',
      intervalMs: 3600_000,
      run: async () => {
        await purgeExpiredOidcPayloads(platform.store.db, platform.clock);
      },
    },
    {
      // Portal sessions and mailed links past their expiry.
      name: 'purge expired portal sessions and links',
      intervalMs: 3600_000,
      run: async () => {
        await platform.uow.read.portal.purgeExpired(platform.clock.now().toISOString());
      },
    },
    {
      // PostgreSQL's monthly partitions of raw samples made ahead; samples past the retention dropped.
      name: 'raw samples: partitions and retention',
      intervalMs: 3600_000,
      run: async () => {
        const { db, dialect } = platform.store;
        const now = platform.clock.now();
        await ensureSamplePartitions(db, dialect, now);
        if (config.sampleRetentionDays === 0) return;
        const before = new Date(now.getTime() - config.sampleRetentionDays * 86_400_000);
        const purged = await purgeSamplesBefore(db, dialect, before.toISOString());
        if (purged.rows > 0 || purged.partitions > 0)
          app.log.info(purged, 'raw samples past the retention dropped');
      },
    },
  ];
  jobs.push({
    // Chargers the platform drives, at their tariff switch (start, stop, tariff profile).
    name: 'charge switches',
    intervalMs: config.chargeSwitchPollMs,
    run: async () => {
      await chargeDriver.runDue();
    },
  });
  app.decorate('jobs', jobs);
  const gatewayHere = runs(config.role, 'gateway');
  app.server.on('upgrade', (request, socket, head) => {
    if (gatewayHere && request.url?.startsWith(`${OCPP_PATH}/`))
      gateway.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  // A node without the API role answers its health and metrics only.
  if (!runs(config.role, 'api')) {
    // Answered here, before any page's own hooks (cookies, CSRF) or error handler run.
    app.addHook('onRequest', async (request, reply) => {
      if (OPERATIONS_PATHS.has(request.url.split('?')[0]!)) return;
      return sendProblem(
        reply,
        request,
        'NOT_FOUND',
        `This node (${config.nodeId}) runs the ${config.role} role and serves no API or pages; send them to an api or all node.`,
      );
    });
  }
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // API answers and sign-in pages carry personal data or tokens: no cache keeps them.
    if (/^\/(v1|interaction|oauth2)\//.test(request.url)) reply.header('cache-control', 'no-store');
  });
  // The stations first: the HTTP server's close waits for every socket, station sockets included,
  // and a process that is stopping must not keep ingesting.
  app.addHook('preClose', async () => {
    await gateway.close();
  });
  app.addHook('onClose', async () => {
    // Closing the connections ends the calls under way; then their commands are recorded.
    await gateway.close();
    await commands.drain();
    await natsBus?.close();
    await platform.closeNotifications();
    if (!deps.store) await platform.store.close();
  });

  registerProblemHandlers(app);
  registerNulCheck(app);
  await app.register(swagger, openApiOptions(config));
  for (const schema of [
    ...SHARED_SCHEMAS,
    InstallationSchema,
    ChargingStationSchema,
    CommandSchema,
    GridMeterSchema,
    TariffSchema,
    MeasureSchema,
    LogSchema,
    AggregationRowSchema,
    LogEntrySchema,
    LogCountSchema,
    EventSubscriptionSchema,
    DeliverySchema,
    NotificationSettingsSchema,
    InvitationStatusSchema,
    InstallationUserSchema,
  ]) {
    app.addSchema(schema);
  }
  const registry = registerOperations(app, platform.store, {
    node: { id: config.nodeId, role: config.role },
    ...(natsBus ? { nats: () => natsBus.ready } : {}),
    connectedStations: () => gateway.connectedCount,
    metricsToken: config.metricsToken,
  });
  platform.deliveries.observe(
    deliveryMetrics(registry, () => platform.notifications.pendingCount()),
  );
  platform.mails.observe(mailMetrics(registry, () => platform.mailStore.pendingCount()));
  await registerClient(platform.identityStore, platform.clock, {
    clientId: API_REFERENCE_CLIENT_ID,
    name: 'Witty-Home API reference',
    redirectUris: [`${config.publicUrl}/docs/oauth2-redirect.html`],
  });
  // One count of failed sign-ins for the OpenID provider's page and the portal's.
  const signIn = new SignInThrottle(platform.clock, config.signIn);
  await registerOidcRoutes(app, {
    provider: platform.provider,
    identity: platform.identity,
    signIn,
  });
  await registerApiReference(app);
  await app.register(portalRoutes, {
    portal: platform.portal,
    mail: platform.mailStore,
    signIn,
    publicUrl: config.publicUrl,
    openMailbox: config.portal.openMailbox,
    devices: {
      list: async () =>
        (await platform.deviceStore.list()).map((row) => ({
          uid: row.uid,
          serialNumber: row.serial_number,
          connected: row.connected === 1,
          lastHeartbeatAt: row.last_heartbeat_at,
        })),
      provision: async (input) => {
        try {
          const device = await platform.devices.provision(input);
          return { uid: device.uid, password: device.password };
        } catch (error) {
          if (error instanceof DeviceError) return { refused: error.message };
          throw error;
        }
      },
    },
    webhooks: {
      list: () => platform.eventSubscriptions.listAsOperator(),
      deliveries: async (subscriptionId, limit) => {
        try {
          return await platform.eventSubscriptions.deliveriesAsOperator(subscriptionId, { limit });
        } catch (error) {
          if (error instanceof ApiError) return undefined;
          throw error;
        }
      },
      redeliver: async (subscriptionId, deliveryId) => {
        try {
          await platform.eventSubscriptions.redeliverAsOperator(subscriptionId, deliveryId);
          return true;
        } catch (error) {
          if (error instanceof ApiError) return false;
          throw error;
        }
      },
    },
    // What the API reference's try-it calls with: the sandbox owner's token and its station.
    sandboxAccess: async (developer, subscriptionId) => {
      const sandbox = await sandboxes.ensure(subscriptionId, developer);
      const station = await platform.stationStore.findByUid(sandbox.stationUid);
      const token = await issueOperatorAccessToken(
        platform.provider,
        { config, identityStore: platform.identityStore, clock: platform.clock },
        sandbox.ownerAccountId,
      );
      return {
        accessToken: token.access_token,
        expiresIn: token.expires_in,
        installationId: sandbox.installationId,
        chargingStationId: station?.id ?? null,
      };
    },
  });
  // The owner dashboard signs people in as a client of the provider and calls the API with its
  // own first-party subscription, like any app (docs/decisions.md, "Owner dashboard").
  await registerClient(platform.identityStore, platform.clock, {
    clientId: DASHBOARD_CLIENT_ID,
    name: 'Witty-Home dashboard',
    redirectUris: [`${config.publicUrl}${CALLBACK_PATH}`],
    scope: DASHBOARD_SCOPES,
  });
  const dashboardSubscription = await ensureDashboardSubscription(
    platform.identity,
    platform.identityStore,
    platform.clock,
  );
  await app.register(dashboardRoutes, {
    prefix: '/dashboard',
    inject: (options) => app.inject(options),
    clock: platform.clock,
    publicUrl: config.publicUrl,
    subscriptionKey: dashboardSubscription.key,
    sessionSeconds: config.oauth.refreshTokenTtlSeconds,
    invitationOf: async (code) => {
      try {
        return await platform.sharing.lookup(code);
      } catch (error) {
        if (error instanceof ApiError) return undefined;
        throw error;
      }
    },
    pollMs: 2000,
    // Comments well within the idle timeout keep a quiet stream open.
    keepAliveMs: Math.max(50, Math.min(15_000, Math.floor(config.http.idleTimeoutMs / 3))),
  });
  await app.register(webhookValidationRoutes, { subscriptions: platform.eventSubscriptions });
  await app.register(invitationPageRoutes, { sharing: platform.sharing });

  await app.register(
    async (api) => {
      // The API speaks JSON only: other bodies get 415.
      api.removeContentTypeParser('text/plain');
      registerApiAuthentication(api, {
        config,
        identity: platform.identity,
        clock: platform.clock,
        signingKeys: platform.signingKeys,
        cache: platform.callerCache,
        grantStands: (grantId) => grantStands(platform.store.db, platform.clock, grantId),
        anonymous: new AttemptLimiter(platform.clock, {
          max: config.anonymousRateLimitMax,
          windowMs: config.rateLimit.windowSeconds * 1000,
        }),
      });
      await api.register(rateLimit, {
        hook: 'preParsing',
        max: config.rateLimit.max,
        timeWindow: config.rateLimit.windowSeconds * 1000,
        keyGenerator: (request) => request.caller?.subscription.subscriptionId ?? request.ip,
        // Every dashboard user calls through the dashboard's one subscription: a shared count
        // would let a few users lock out all the others.
        allowList: (request) =>
          request.caller?.subscription.subscriptionId === dashboardSubscription.subscriptionId,
        errorResponseBuilder: (_request, context) =>
          new ApiError(
            'RATE_LIMITED',
            `This subscription may make ${context.max} calls every ${config.rateLimit.windowSeconds} s; retry in ${context.after}.`,
          ),
      });
      // Every route below is under the access table (src/installations/access.ts).
      registerAccessControl(api, platform.access);
      await api.register(installationRoutes, { installations: platform.installations });
      await api.register(stationRoutes, {
        stations,
        telemetry: platform.telemetry,
        currencyOf: (installationId) => grid.currencyOf(installationId),
        associations: new AttemptLimiter(platform.clock, {
          max: config.associationRateLimit.max,
          windowMs: config.associationRateLimit.windowSeconds * 1000,
        }),
      });
      await api.register(gridRoutes, { grid, telemetry: platform.telemetry });
      await api.register(eventSubscriptionRoutes, { subscriptions: platform.eventSubscriptions });
      await api.register(notificationSettingsRoutes, { settings: platform.notificationSettings });
      await api.register(sharingRoutes, { sharing: platform.sharing });
    },
    { prefix: '/v1' },
  );
  return app;
}
