import { ApiError } from '../errors.js';
import type { Caller } from '../identity/index.js';
import type { InstallationStore, InstallationWithRole } from './store.js';

/**
 * What a call needs on an installation:
 * - `read`: general data, for the owner and enabled installers;
 * - `private`: costs, consumption, tariffs, TIC (the guide: installers see general data only);
 * - `command`: commands to devices;
 * - `manage`: changing or deleting the installation, sharing it.
 * Only `read` is open to installers; the rest is the owner's.
 */
export type InstallationNeed = 'read' | 'private' | 'command' | 'manage';

/** The one place that decides who may do what on an installation. */
export class InstallationAccess {
  constructor(private readonly store: InstallationStore) {}

  /**
   * The installation as the caller sees it, or an error: 404 when the caller has no (enabled)
   * membership, so that other users' installations do not reveal their existence; 403 when an
   * installer asks for more than general data.
   */
  async require(
    caller: Caller,
    installationId: number,
    need: InstallationNeed,
  ): Promise<InstallationWithRole> {
    const installation = await this.store.findForAccount(installationId, caller.account.accountId);
    if (!installation || installation.enabled !== 1) {
      throw new ApiError(
        'INSTALLATION_NOT_FOUND',
        `Installation ${installationId} does not exist.`,
      );
    }
    if (need !== 'read' && installation.role_code !== 'owner') {
      throw new ApiError(
        'INSTALLATION_ACCESS_DENIED',
        `Installers see general data only; this operation is reserved to the owner of installation ${installationId}.`,
      );
    }
    return installation;
  }
}
