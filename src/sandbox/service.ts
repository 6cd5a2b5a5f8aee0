import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Account, Caller } from '../identity/index.js';
import type { SandboxRow, SandboxStore } from './store.js';

/** What the sandbox needs of the platform's services (the composition root passes them). */
export interface SandboxDependencies {
  store: SandboxStore;
  clock: Clock;
  accounts: {
    findAccountByEmail(email: string): Promise<Account | undefined>;
    createAccount(input: {
      email: string;
      password: string;
      role: 'owner';
      firstName: string;
      lastName: string;
    }): Promise<Account>;
  };
  installations: {
    list(caller: Caller): Promise<{ installationId: number; name: string }[]>;
    create(
      caller: Caller,
      input: {
        name: string;
        locationName: string;
        locationGpsCoordinates: { latitude: number; longitude: number };
      },
    ): Promise<{ installationId: number }>;
  };
  devices: {
    find(uid: string): Promise<unknown>;
    provision(input: { uid: string; serialNumber: string }): Promise<unknown>;
  };
  stations: {
    findByUid(uid: string): Promise<unknown>;
    associate(
      caller: Caller,
      installationId: number,
      request: { uid: string; timezone: 'Romance Standard Time'; country: 'fr-fr' },
    ): Promise<unknown>;
  };
  /** Turns the station-error mails of the sandbox owner off (its address is not a mailbox). */
  muteAlerts(accountId: string): Promise<void>;
}

/** The sandbox of a subscription: its owner and the virtual station it answers with. */
export interface Sandbox {
  subscriptionId: string;
  ownerAccountId: string;
  installationId: number;
  stationUid: string;
}

const SANDBOX_HOME = {
  name: 'Sandbox home',
  locationName: 'Grenoble',
  locationGpsCoordinates: { latitude: 45.19, longitude: 5.72 },
};

function toSandbox(row: SandboxRow): Sandbox {
  return {
    subscriptionId: row.subscription_id,
    ownerAccountId: row.owner_account_id,
    installationId: row.installation_id,
    stationUid: row.station_uid,
  };
}

/**
 * Each approved subscription gets a sandbox: an owner account of its own with one installation
 * and a virtual station, so that the API reference's try-it calls every route against a live
 * station. Every step is idempotent: a sandbox whose making stopped half-way is finished by the
 * next call.
 */
export class SandboxService {
  private readonly listeners = new Set<(sandbox: Sandbox) => void>();
  /** Sandboxes being made in this process: a second call waits for the first. */
  private readonly making = new Map<string, Promise<Sandbox>>();

  constructor(private readonly deps: SandboxDependencies) {}

  /** Calls `listener` with each sandbox made from now on (the station runner starts its station). */
  onCreated(listener: (sandbox: Sandbox) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async find(subscriptionId: string): Promise<Sandbox | undefined> {
    const row = await this.deps.store.find(subscriptionId);
    return row && toSandbox(row);
  }

  async list(): Promise<Sandbox[]> {
    return (await this.deps.store.list()).map(toSandbox);
  }

  /** The sandbox of a subscription, made when missing. */
  async ensure(subscriptionId: string, developer: Account): Promise<Sandbox> {
    const existing = await this.find(subscriptionId);
    if (existing) return existing;
    let making = this.making.get(subscriptionId);
    if (!making) {
      making = this.make(subscriptionId, developer).finally(() =>
        this.making.delete(subscriptionId),
      );
      this.making.set(subscriptionId, making);
    }
    return making;
  }

  private async make(subscriptionId: string, developer: Account): Promise<Sandbox> {
    const { accounts, installations, devices, stations } = this.deps;
    // Names derived from the subscription: a second call finds what the first one made.
    const tag = subscriptionId.replaceAll('-', '').slice(0, 16).toLowerCase();
    const email = `sandbox-${tag}@sandbox.witty-home.invalid`;
    const uid = `Sandbox${tag}`;
    const owner =
      (await accounts.findAccountByEmail(email)) ??
      (await accounts.createAccount({
        email,
        // Nobody signs in as the sandbox owner: the portal issues its tokens.
        password: randomBytes(24).toString('base64url'),
        role: 'owner',
        firstName: 'Sandbox',
        lastName: [developer.firstName, developer.lastName].filter(Boolean).join(' ') || 'Owner',
      }));
    await this.deps.muteAlerts(owner.accountId);
    const caller: Caller = {
      account: owner,
      subscription: {
        subscriptionId,
        productId: 'sandbox',
        developerAccountId: developer.accountId,
      },
    };
    const installation =
      (await installations.list(caller)).find((i) => i.name === SANDBOX_HOME.name) ??
      (await installations.create(caller, SANDBOX_HOME));
    if (!(await devices.find(uid)))
      await devices.provision({ uid, serialNumber: `SBX-${tag.slice(0, 12).toUpperCase()}` });
    if (!(await stations.findByUid(uid))) {
      await stations.associate(caller, installation.installationId, {
        uid,
        timezone: 'Romance Standard Time',
        country: 'fr-fr',
      });
    }
    const row: SandboxRow = {
      subscription_id: subscriptionId,
      owner_account_id: owner.accountId,
      installation_id: installation.installationId,
      station_uid: uid,
      created_at: this.deps.clock.now().toISOString(),
    };
    if (await this.deps.store.insert(row)) {
      const sandbox = toSandbox(row);
      for (const listener of this.listeners) listener(sandbox);
      return sandbox;
    }
    return (await this.find(subscriptionId))!;
  }
}
