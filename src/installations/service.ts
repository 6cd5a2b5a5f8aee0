import type { Clock } from '../clock.js';
import { ApiError } from '../errors.js';
import type { Caller } from '../identity/index.js';
import type { InstallationAccess } from './access.js';
import type { Installation, InstallationInput } from './schemas.js';
import type { InstallationRow, InstallationStore } from './store.js';

/** Product type of Witty-Home installations (the guide's applicationCode). */
export const APPLICATION_CODE = 'flowEvcs';

/** Installations: the central point on which devices are associated. */
export class InstallationService {
  constructor(
    private readonly store: InstallationStore,
    private readonly access: InstallationAccess,
    private readonly clock: Clock,
  ) {}

  /** The caller's installations, as owner or enabled installer. */
  async list(caller: Caller): Promise<Installation[]> {
    const rows = await this.store.listForAccount(caller.account.accountId);
    return rows.filter((row) => row.enabled === 1).map(toInstallation);
  }

  async get(caller: Caller, installationId: number): Promise<Installation> {
    return toInstallation(await this.access.require(caller, installationId, 'read'));
  }

  async create(caller: Caller, input: InstallationInput): Promise<Installation> {
    if (caller.account.role === 'installer') {
      throw new ApiError(
        'ROLE_NOT_ALLOWED',
        'Installer accounts cannot create installations; an owner shares an installation with them by invitation.',
      );
    }
    const now = this.clock.now().toISOString();
    const row = await this.store.create(
      {
        name: input.name,
        location_name: input.locationName,
        latitude: input.locationGpsCoordinates.latitude,
        longitude: input.locationGpsCoordinates.longitude,
        external_id: null,
        application_code: APPLICATION_CODE,
        created_at: now,
        updated_at: now,
      },
      caller.account.accountId,
    );
    return toInstallation(row);
  }

  async update(
    caller: Caller,
    installationId: number,
    input: InstallationInput,
  ): Promise<Installation> {
    await this.access.require(caller, installationId, 'manage');
    const row = await this.store.update(installationId, {
      name: input.name,
      location_name: input.locationName,
      latitude: input.locationGpsCoordinates.latitude,
      longitude: input.locationGpsCoordinates.longitude,
      updated_at: this.clock.now().toISOString(),
    });
    if (!row)
      throw new ApiError(
        'INSTALLATION_NOT_FOUND',
        `Installation ${installationId} does not exist.`,
      );
    return toInstallation(row);
  }

  async delete(caller: Caller, installationId: number): Promise<void> {
    await this.access.require(caller, installationId, 'manage');
    await this.store.delete(installationId);
  }
}

function toInstallation(row: InstallationRow): Installation {
  return {
    installationId: Number(row.id),
    externalId: row.external_id,
    applicationCode: row.application_code,
    name: row.name,
    locationName: row.location_name,
    locationGpsCoordinates: { latitude: Number(row.latitude), longitude: Number(row.longitude) },
  };
}
