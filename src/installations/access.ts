import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { callerOf, type Caller } from '../identity/index.js';
import type { InstallationStore, InstallationWithRole } from './store.js';

/**
 * What a call needs on an installation (the guide: installers see general data only):
 * - `read`: general data: the installation, station identity, state, errors, heartbeat,
 *   configuration and the station's logs (SessionEnd excepted);
 * - `private`: costs, consumption, measures, tariffs, TIC data;
 * - `command`: commands to the station, their tracking, and PUT of the station;
 * - `manage`: changing or deleting the installation, associating or removing its station,
 *   the TIC consent;
 * - `notify`: event subscriptions (webhooks);
 * - `share`: invitations and the installation's users.
 */
export type InstallationCapability = 'read' | 'private' | 'command' | 'manage' | 'notify' | 'share';

/** Earlier name of the capabilities, as the services ask for them. */
export type InstallationNeed = InstallationCapability;

/** What a call needs of the account itself, on routes not about one installation. */
export type AccountCapability = 'anyAccount' | 'ownerAccount' | 'installerAccount';

export type Capability = InstallationCapability | AccountCapability;

/** How an account stands towards an installation. */
export type Relation = 'owner' | 'installerActive' | 'installerInactive' | 'none';
export const RELATIONS: readonly Relation[] = [
  'owner',
  'installerActive',
  'installerInactive',
  'none',
];

/** The account roles the account capabilities tell apart (developer and admin act as owners). */
export type AccountKind = 'owner' | 'installer';

/** What the platform answers: the route runs, 403 (denied) or 404 (as if it did not exist). */
export type Outcome = 'allow' | 'deny' | 'hide';

interface CapabilityRule {
  description: string;
  /** Installation capabilities: by relation. Account capabilities: by account kind. */
  outcomes: Partial<Record<Relation | AccountKind, Outcome>>;
}

const ownerOnly: CapabilityRule['outcomes'] = {
  owner: 'allow',
  installerActive: 'deny',
  installerInactive: 'hide',
  none: 'hide',
};

/** The one table of access rights: each capability, and who gets what. */
export const CAPABILITIES: Record<Capability, CapabilityRule> = {
  read: {
    description:
      'General data: the installation, station identity, state, errors, heartbeat, configuration, station logs (SessionEnd excepted)',
    outcomes: { owner: 'allow', installerActive: 'allow', installerInactive: 'hide', none: 'hide' },
  },
  private: {
    description: 'Costs, consumption, measures, tariffs, TIC data (grid meter logs)',
    outcomes: ownerOnly,
  },
  command: {
    description: 'Commands to the station, their tracking, PUT of the station',
    outcomes: ownerOnly,
  },
  manage: {
    description:
      'Changing or deleting the installation, associating or removing its station, the TIC consent',
    outcomes: ownerOnly,
  },
  notify: { description: 'Event subscriptions (webhooks)', outcomes: ownerOnly },
  share: { description: 'Invitations and the installation users', outcomes: ownerOnly },
  anyAccount: {
    description: 'Any account (the answer holds what the account may see)',
    outcomes: { owner: 'allow', installer: 'allow' },
  },
  ownerAccount: {
    description: 'Accounts that may own installations (not installer accounts)',
    outcomes: { owner: 'allow', installer: 'deny' },
  },
  installerAccount: {
    description: 'Installer accounts only',
    outcomes: { owner: 'deny', installer: 'allow' },
  },
};

/**
 * Every /v1 route, in the OpenAPI document's spelling, and the capability it needs. A route
 * missing here cannot be registered (registerAccessControl throws), and the access matrix test
 * calls every route of the document with each kind of caller.
 */
export const ROUTE_CAPABILITIES: Readonly<Record<string, Capability>> = {
  'GET /installations': 'anyAccount',
  'POST /installations': 'ownerAccount',
  'GET /installations/{installationId}': 'read',
  'PUT /installations/{installationId}': 'manage',
  'DELETE /installations/{installationId}': 'manage',

  'GET /installations/{installationId}/charging-stations': 'read',
  'POST /installations/{installationId}/charging-stations': 'manage',
  'GET /installations/{installationId}/charging-stations/{chargingStationId}': 'read',
  'DELETE /installations/{installationId}/charging-stations/{chargingStationId}': 'manage',
  'PUT /installations/{installationId}/charging-stations/{chargingStationId}': 'command',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/operators/set-charge-mode':
    'command',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/operators/start':
    'command',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/operators/stop':
    'command',
  'GET /installations/{installationId}/charging-stations/{chargingStationId}/commands': 'command',
  'GET /installations/{installationId}/charging-stations/{chargingStationId}/commands/{commandId}':
    'command',
  'GET /installations/{installationId}/charging-stations/{chargingStationId}/measures': 'private',
  'GET /installations/{installationId}/charging-stations/{chargingStationId}/measures/{measureId}':
    'private',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/measures/{measureId}/operators/sum':
    'private',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/measures/{measureId}/operators/count':
    'private',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/measures/{measureId}/operators/average':
    'private',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/measures/{measureId}/operators/min-max':
    'private',
  'GET /installations/{installationId}/charging-stations/{chargingStationId}/logs': 'read',
  'GET /installations/{installationId}/charging-stations/{chargingStationId}/logs/{logId}': 'read',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/logs/{logId}/operators/count':
    'read',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/logs/{logId}/operators/list':
    'read',
  'POST /installations/{installationId}/charging-stations/{chargingStationId}/logs/operators/list':
    'read',

  'GET /installations/{installationId}/grid-meters': 'read',
  'GET /installations/{installationId}/grid-meters/{gridMeterId}': 'read',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/operators/authorize-tic':
    'manage',
  'GET /installations/{installationId}/grid-meters/{gridMeterId}/measures': 'private',
  'GET /installations/{installationId}/grid-meters/{gridMeterId}/measures/{measureId}': 'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/measures/{measureId}/operators/sum':
    'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/measures/{measureId}/operators/count':
    'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/measures/{measureId}/operators/average':
    'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/measures/{measureId}/operators/min-max':
    'private',
  'GET /installations/{installationId}/grid-meters/{gridMeterId}/logs': 'private',
  'GET /installations/{installationId}/grid-meters/{gridMeterId}/logs/{logId}': 'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/logs/{logId}/operators/count':
    'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/logs/{logId}/operators/list':
    'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/logs/operators/list': 'private',
  'GET /installations/{installationId}/grid-meters/{gridMeterId}/tariffs': 'private',
  'POST /installations/{installationId}/grid-meters/{gridMeterId}/tariffs': 'private',
  'GET /installations/{installationId}/grid-meters/{gridMeterId}/tariffs/{tariffId}': 'private',
  // A subscription declared by the owner when there is no TIC (platform extension).
  'GET /installations/{installationId}/grid-meters/{gridMeterId}/subscription': 'private',
  'PUT /installations/{installationId}/grid-meters/{gridMeterId}/subscription': 'private',
  'DELETE /installations/{installationId}/grid-meters/{gridMeterId}/subscription': 'private',
  // National day calendars (Tempo, EJP), the same for everyone.
  'GET /tariff-calendars/{calendar}': 'anyAccount',

  'GET /installations/{installationId}/event-subscriptions': 'notify',
  'POST /installations/{installationId}/event-subscriptions': 'notify',
  'DELETE /installations/{installationId}/event-subscriptions': 'notify',
  'GET /installations/{installationId}/event-subscriptions/{eventSubscriptionId}': 'notify',
  'DELETE /installations/{installationId}/event-subscriptions/{eventSubscriptionId}': 'notify',
  'POST /installations/{installationId}/event-subscriptions/{eventSubscriptionId}/operators/rotate-secret':
    'notify',
  'GET /installations/{installationId}/event-subscriptions/{eventSubscriptionId}/deliveries':
    'notify',
  'POST /installations/{installationId}/event-subscriptions/{eventSubscriptionId}/deliveries/{deliveryId}/operators/redeliver':
    'notify',

  'GET /installations/{installationId}/invitations': 'share',
  'POST /installations/{installationId}/invitations': 'share',
  'DELETE /installations/{installationId}/invitations/{email}': 'share',
  'POST /invitations/operators/accept/{activationCode}': 'installerAccount',
  'GET /installations/{installationId}/users': 'share',
  'POST /installations/{installationId}/users/{accountId}/operators/disable': 'share',
  'POST /installations/{installationId}/users/{accountId}/operators/enable': 'share',
  'DELETE /installations/{installationId}/users/{accountId}': 'share',

  // The caller's own notification settings (owner alerts by e-mail).
  'GET /account/notification-settings': 'anyAccount',
  'PUT /account/notification-settings': 'anyAccount',
};

/** Fields left out of what an installer reads on `read` routes (consumption and costs). */
export const INSTALLER_REDACTIONS: readonly { where: string; what: string }[] = [
  {
    where: 'Charging station (list and one)',
    what: '`properties.currentSession` and `properties.lastSession` are `null` (each carries energy, cost and range)',
  },
  {
    where: 'Charging station logs',
    what: 'SessionEnd (logId 2, energy and cost) is not listed; reading it answers 403',
  },
  {
    where: 'Grid meter (list and one)',
    what: 'every TIC property (`generalConsumption`, `ticType`, `intensitySubscribed`, `currentTariff`, `gridSubscription`) is `null`',
  },
];

/** The callers the table tells apart: an account kind and its relation to the installation. */
export const PERSONAS = {
  owner: { kind: 'owner', relation: 'owner', label: 'Owner' },
  installerActive: { kind: 'installer', relation: 'installerActive', label: 'Installer' },
  installerInactive: {
    kind: 'installer',
    relation: 'installerInactive',
    label: 'Disabled installer',
  },
  stranger: { kind: 'owner', relation: 'none', label: 'Other account' },
} as const satisfies Record<string, { kind: AccountKind; relation: Relation; label: string }>;
export type Persona = keyof typeof PERSONAS;

/** What the table answers a persona calling a route that needs `capability`. */
export function outcomeFor(capability: Capability, persona: Persona): Outcome {
  const { kind, relation } = PERSONAS[persona];
  const outcomes = CAPABILITIES[capability].outcomes;
  const outcome = isInstallationCapability(capability) ? outcomes[relation] : outcomes[kind];
  if (!outcome) throw new Error(`${capability} has no outcome for ${persona}`);
  return outcome;
}

export function isInstallationCapability(
  capability: Capability,
): capability is InstallationCapability {
  return CAPABILITIES[capability].outcomes.installerActive !== undefined;
}

/** The OpenAPI spelling of a route (`GET /installations/{installationId}`), without the prefix. */
export function routeKey(method: string, url: string, prefix = '/v1'): string {
  const path = url.startsWith(prefix) ? url.slice(prefix.length) : url;
  return `${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

/** The relation an installation membership gives (none without one). */
export function relationOf(membership: InstallationWithRole | undefined): Relation {
  if (!membership) return 'none';
  if (membership.role_code === 'owner') return 'owner';
  return membership.enabled === 1 ? 'installerActive' : 'installerInactive';
}

/** The one place that decides who may do what on an installation. */
export class InstallationAccess {
  /** Memberships already read for a request's caller (one lookup per call and installation). */
  private readonly seen = new WeakMap<Caller, Map<number, InstallationWithRole | undefined>>();

  constructor(private readonly store: InstallationStore) {}

  private async membership(
    caller: Caller,
    installationId: number,
  ): Promise<InstallationWithRole | undefined> {
    let known = this.seen.get(caller);
    if (!known)
      this.seen.set(caller, (known = new Map<number, InstallationWithRole | undefined>()));
    if (!known.has(installationId)) {
      known.set(
        installationId,
        await this.store.findForAccount(installationId, caller.account.accountId),
      );
    }
    return known.get(installationId);
  }

  /**
   * The installation as the caller sees it, or the table's error: 404 when the caller has no
   * enabled membership, so that other users' installations do not reveal their existence; 403
   * when an installer asks for more than general data.
   */
  async require(
    caller: Caller,
    installationId: number,
    need: InstallationCapability,
  ): Promise<InstallationWithRole> {
    const installation = await this.membership(caller, installationId);
    const outcome = CAPABILITIES[need].outcomes[relationOf(installation)];
    if (!installation || outcome === 'hide' || outcome === undefined) {
      throw new ApiError(
        'INSTALLATION_NOT_FOUND',
        `Installation ${installationId} does not exist.`,
      );
    }
    if (outcome === 'deny') {
      throw new ApiError(
        'INSTALLATION_ACCESS_DENIED',
        `Installers see general data only; this operation is reserved to the owner of installation ${installationId}.`,
      );
    }
    return installation;
  }

  /** Checks an account capability against the caller's account role. */
  requireAccount(caller: Caller, need: AccountCapability): void {
    const kind: AccountKind = caller.account.role === 'installer' ? 'installer' : 'owner';
    if (CAPABILITIES[need].outcomes[kind] === 'allow') return;
    if (need === 'installerAccount') {
      throw new ApiError(
        'INSTALLER_ACCOUNT_REQUIRED',
        'This route only works with an installer account.',
      );
    }
    throw new ApiError(
      'ROLE_NOT_ALLOWED',
      'Installer accounts cannot create installations; an owner shares an installation with them by invitation.',
    );
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The capability the route needs (ROUTE_CAPABILITIES), set when it is registered. */
    capability?: Capability;
  }
}

/**
 * Puts every route of the scope under the table: a route without an entry is refused at
 * registration, and each call is checked before its handler (after authentication and
 * validation), so a caller without the right never reaches the service.
 */
export function registerAccessControl(
  scope: FastifyInstance,
  access: InstallationAccess,
  prefix = '/v1',
): void {
  scope.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Fastify adds a HEAD route for each GET: it needs what the GET needs.
      const key = routeKey(method === 'HEAD' ? 'GET' : method, route.url, prefix);
      const capability = ROUTE_CAPABILITIES[key];
      if (!capability) {
        throw new Error(`${key} has no entry in ROUTE_CAPABILITIES (src/installations/access.ts)`);
      }
      route.config = { ...route.config, capability };
    }
  });
  scope.addHook('preHandler', async (request) => {
    const capability = request.routeOptions.config.capability;
    if (!capability) throw new Error(`${request.routeOptions.url} has no capability`);
    const caller = callerOf(request);
    if (!isInstallationCapability(capability)) {
      access.requireAccount(caller, capability);
      return;
    }
    const { installationId } = request.params as { installationId?: unknown };
    if (typeof installationId !== 'number') {
      throw new Error(`${request.routeOptions.url} needs an integer installationId parameter`);
    }
    await access.require(caller, installationId, capability);
  });
}
