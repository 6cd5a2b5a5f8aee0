/** What the benches provision in a platform before they start it: an owner, homes, stations. */
import { randomUUID } from 'node:crypto';
import type { Platform } from '../src/app.js';
import type { Config } from '../src/config.js';
import { issueOperatorAccessToken } from '../src/identity/index.js';

/** The caller the benches act as: an owner account of their own. */
export type BenchCaller = Parameters<Platform['installations']['create']>[0];

/** What a bench's station connects with. */
export interface BenchStation {
  uid: string;
  password: string;
}

/** Provisions the bench's device number `i`: uid PREFIX000042, serial number PREFIX-42. */
export async function benchDevice(
  platform: Platform,
  prefix: string,
  i: number,
): Promise<BenchStation> {
  const device = await platform.devices.provision({
    uid: `${prefix}${String(i).padStart(6, '0')}`,
    serialNumber: `${prefix}-${i}`,
  });
  return { uid: device.uid, password: device.password };
}

/** Creates the benches' owner, bench@example.com. */
export async function benchOwner(platform: Platform): Promise<BenchCaller> {
  const account = await platform.identity.createAccount({
    email: 'bench@example.com',
    password: 'bench password',
    role: 'owner',
  });
  return {
    account,
    subscription: { subscriptionId: '', productId: '', developerAccountId: '' },
  };
}

/** An installation of the owner; its id. */
export async function benchInstallation(
  platform: Platform,
  caller: BenchCaller,
  name: string,
): Promise<number> {
  const installation = await platform.installations.create(caller, {
    name,
    locationName: 'Bench',
    locationGpsCoordinates: { latitude: 45, longitude: 5 },
  });
  return installation.installationId;
}

/** Associates the provisioned device `uid` with the installation, as a Paris station; its id. */
export async function associateStation(
  platform: Platform,
  uid: string,
  installationId: number,
  serialNumber: string,
): Promise<string> {
  const id = randomUUID();
  await platform.stationStore.associate(
    {
      id,
      uid,
      installation_id: installationId,
      installation_date: new Date().toISOString(),
      timezone: 'Romance Standard Time',
      culture: 'fr-fr',
      friendly_name: null,
      average_ev_consumption: null,
      authorize_tic: 0,
    },
    serialNumber,
    randomUUID(),
  );
  return id;
}

/**
 * A partner's approved subscription key (`partner` is its developer's e-mail) and an access token
 * of the caller: the headers of an authenticated API call.
 */
export async function benchCredentials(
  platform: Platform,
  config: Config,
  caller: BenchCaller,
  partner = 'bench-partner@example.com',
): Promise<{ 'ocp-apim-subscription-key': string; authorization: string }> {
  const { primaryKey } = await platform.identity.issueStarterPackKeys(partner);
  const { access_token } = await issueOperatorAccessToken(
    platform.provider,
    { config, ...platform },
    caller.account.accountId,
  );
  return { 'ocp-apim-subscription-key': primaryKey, authorization: `Bearer ${access_token}` };
}

/** Where a bench's events come from: a station of an installation (for the webhook outbox). */
export interface BenchSource {
  id: string;
  installation_id: number;
}

/**
 * `installations` homes of the caller, each with `subscriptions` webhook subscriptions to
 * `receiverUrl`/hooks/{i}/{j}; the sources their events are raised from.
 */
export async function benchWebhookHomes(
  platform: Platform,
  caller: BenchCaller,
  receiverUrl: string,
  installations: number,
  subscriptions: number,
): Promise<BenchSource[]> {
  const sources: BenchSource[] = [];
  for (let i = 0; i < installations; i++) {
    const installationId = await benchInstallation(platform, caller, `Webhooks ${i}`);
    sources.push({ id: randomUUID(), installation_id: installationId });
    for (let j = 0; j < subscriptions; j++) {
      await platform.eventSubscriptions.create(caller, installationId, {
        protocolCode: 'Webhook',
        protocolData: `${receiverUrl}/hooks/${i}/${j}`,
      });
    }
  }
  return sources;
}

/** `events` socket-state events from each source, through the outbox, one transaction per round. */
export async function raiseBacklog(
  platform: Platform,
  sources: readonly BenchSource[],
  events: number,
): Promise<void> {
  for (let n = 0; n < events; n++) {
    await platform.uow.run(async (stores) => {
      for (const source of sources) {
        await stores.outbox.raise(
          source,
          'XEVFR.state_EVCS_socketState',
          { socketState: n % 2, socketStateName: n % 2 ? 'occupied' : 'available' },
          new Date().toISOString(),
        );
      }
    });
  }
}
