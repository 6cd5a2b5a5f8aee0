import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { isUniqueViolation, type UnitOfWork } from '../db/unit-of-work.js';
import { ApiError } from '../errors.js';
import type { Caller } from '../identity/index.js';
import type { InstallationAccess } from '../installations/index.js';
import type { MailCulture } from '../mail/index.js';
import type { SharingMailer } from './ports.js';
import type { InstallationUser, InvitationInput, InvitationStatus } from './schemas.js';
import type { InstallationUserRow, InvitationRow, SharingStore } from './store.js';

/** The stores a sharing change works with. */
export interface SharingStores {
  sharing: SharingStore;
  /** Mails queued with the change: sent only if it commits. */
  sharingMail: SharingMailer;
}

/** Random bytes of an activation code: 256 bits, 43 URL-safe characters. */
const CODE_BYTES = 32;

/** Only the SHA-256 of an activation code is stored. */
export function hashActivationCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** Addresses are compared as identity stores them: trimmed, lower case. */
function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function displayName(user: Pick<InstallationUserRow, 'first_name' | 'last_name' | 'email'>) {
  const name = [user.first_name, user.last_name].filter((part) => part).join(' ');
  return name || user.email;
}

function toUser(row: InstallationUserRow): InstallationUser {
  const enabled = row.enabled === 1;
  return {
    accountId: row.account_id,
    accountFirstName: row.first_name,
    accountLastName: row.last_name,
    accountEmail: row.email,
    authorizationGroups: [
      row.role_code === 'owner' ? 'ownerActive' : enabled ? 'installerActive' : 'installerInactive',
    ],
    roleCode: row.role_code,
    enabled,
  };
}

/** Throws why an invitation's code cannot be accepted at `now`: unknown, used, cancelled, expired. */
function requireUsable(
  invitation: InvitationRow | undefined,
  now: string,
): asserts invitation is InvitationRow {
  if (!invitation) {
    throw new ApiError('INVITATION_NOT_FOUND', 'No invitation has this activation code.');
  }
  if (invitation.state === 'accepted') {
    throw new ApiError('INVITATION_USED', 'This invitation has already been accepted.');
  }
  if (invitation.state !== 'pending') {
    throw new ApiError(
      'INVITATION_CANCELLED',
      invitation.state === 'replaced'
        ? 'This invitation was replaced by a newer one; use the code of the latest e-mail.'
        : 'The owner cancelled this invitation.',
    );
  }
  if (invitation.expires_at <= now) {
    throw new ApiError(
      'INVITATION_EXPIRED',
      `This invitation expired at ${invitation.expires_at}; ask the owner for a new one.`,
    );
  }
}

/** The guide's sharing: invitations, their acceptance, and the installation's users. */
export class SharingService {
  constructor(
    private readonly deps: {
      uow: UnitOfWork<SharingStores>;
      access: InstallationAccess;
      clock: Clock;
      /** Base of the invitation link: `{publicUrl}/invitations/{activationCode}`. */
      publicUrl: string;
      invitationTtlSeconds: number;
    },
  ) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  /**
   * Runs a change, once more when a concurrent one won a unique constraint (two invitations of
   * one address, two acceptances of one code): the second run sees what the first committed.
   */
  private async change<T>(work: (stores: SharingStores) => Promise<T>): Promise<T> {
    try {
      return await this.deps.uow.run(work);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.deps.uow.run(work);
    }
  }

  private toStatus(row: InvitationRow, installationName: string): InvitationStatus {
    return {
      email: row.email,
      installationName,
      installationId: Number(row.installation_id),
      expirationDate: row.expires_at,
    };
  }

  /** The pending invitations of an installation (owner only). */
  async invitations(caller: Caller, installationId: number): Promise<InvitationStatus[]> {
    const installation = await this.deps.access.require(caller, installationId, 'share');
    const rows = await this.deps.uow.read.sharing.listPending(installationId, this.now());
    return rows.map((row) => this.toStatus(row, installation.name));
  }

  /**
   * Invites an installer: a new activation code, mailed in the invitation's culture. Inviting
   * an address again replaces its pending invitation (the old code stops working).
   */
  async invite(
    caller: Caller,
    installationId: number,
    input: InvitationInput,
  ): Promise<InvitationStatus> {
    const installation = await this.deps.access.require(caller, installationId, 'share');
    const email = normalizeEmail(input.email);
    const member = await this.deps.uow.read.sharing.userByEmail(installationId, email);
    if (member) {
      throw new ApiError(
        'ALREADY_A_USER',
        member.role_code === 'owner'
          ? `${email} is the owner of installation ${installationId}.`
          : member.enabled === 1
            ? `${email} is already an installer of installation ${installationId}.`
            : `${email} is a disabled installer of installation ${installationId}; enable them with operators/enable.`,
      );
    }
    const code = randomBytes(CODE_BYTES).toString('base64url');
    const now = this.deps.clock.now();
    const row: InvitationRow = {
      id: randomUUID(),
      installation_id: installationId,
      email,
      culture: input.cultureCode,
      code_hash: hashActivationCode(code),
      invited_by: caller.account.accountId,
      state: 'pending',
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.deps.invitationTtlSeconds * 1000).toISOString(),
      ended_at: null,
      accepted_by: null,
      accepted_email: null,
    };
    const { account } = caller;
    await this.change(async ({ sharing, sharingMail }) => {
      await sharing.lockInstallation(installationId);
      await sharing.endPending(installationId, email, 'replaced', row.created_at);
      await sharing.insert(row);
      await sharingMail.enqueue({
        kind: 'invitation',
        to: email,
        culture: input.cultureCode,
        installationName: installation.name,
        inviterName: displayName({
          first_name: account.firstName,
          last_name: account.lastName,
          email: account.email,
        }),
        activationCode: code,
        link: `${this.deps.publicUrl}/invitations/${code}`,
        expirationDate: row.expires_at,
      });
    });
    return this.toStatus(row, installation.name);
  }

  /** Cancels the pending invitation of an address: its code stops working. */
  async cancel(caller: Caller, installationId: number, email: string): Promise<void> {
    await this.deps.access.require(caller, installationId, 'share');
    const ended = await this.deps.uow.read.sharing.endPending(
      installationId,
      normalizeEmail(email),
      'cancelled',
      this.now(),
    );
    if (ended === 0) {
      throw new ApiError(
        'INVITATION_NOT_FOUND',
        `No pending invitation for ${email} on installation ${installationId}.`,
      );
    }
  }

  /**
   * An installer accepts an invitation (the access table lets installer accounts only): they
   * become an active installer of the installation, whatever address they signed up with, and
   * the owner is told in the invitation's culture.
   */
  async accept(caller: Caller, activationCode: string): Promise<InvitationStatus> {
    const { account } = caller;
    return this.change(async ({ sharing, sharingMail }) => {
      const invitation = await sharing.findByCodeHash(hashActivationCode(activationCode));
      const now = this.now();
      requireUsable(invitation, now);
      const installationId = Number(invitation.installation_id);
      const member = await sharing.user(installationId, account.accountId);
      if (member && member.enabled !== 1) {
        // Accepting must not undo the owner's decision to disable this installer.
        throw new ApiError(
          'INSTALLER_DISABLED',
          `The owner has disabled your access to installation ${installationId}; only they can enable it again.`,
        );
      }
      if (!member) await sharing.addInstaller(installationId, account.accountId, now);
      if (!(await sharing.markAccepted(invitation.id, account, now))) {
        throw new ApiError('INVITATION_USED', 'This invitation has already been accepted.');
      }
      const installationName = (await sharing.installationName(installationId)) ?? '';
      const owner = await sharing.owner(installationId);
      if (owner) {
        await sharingMail.enqueue({
          kind: 'invitationAccepted',
          to: owner.email,
          culture: invitation.culture,
          installationName,
          installerName: displayName({
            first_name: account.firstName,
            last_name: account.lastName,
            email: account.email,
          }),
          installerEmail: account.email,
        });
      }
      return this.toStatus(invitation, installationName);
    });
  }

  /**
   * What the invitation page shows for a code, without using it: the invitation while it can be
   * accepted, else why not (the same errors as acceptance).
   */
  async lookup(activationCode: string): Promise<InvitationStatus> {
    const { sharing } = this.deps.uow.read;
    const invitation = await sharing.findByCodeHash(hashActivationCode(activationCode));
    requireUsable(invitation, this.now());
    const name = (await sharing.installationName(Number(invitation.installation_id))) ?? '';
    return this.toStatus(invitation, name);
  }

  /** The installation's users, the owner first (owner only). */
  async users(caller: Caller, installationId: number): Promise<InstallationUser[]> {
    await this.deps.access.require(caller, installationId, 'share');
    return (await this.deps.uow.read.sharing.users(installationId)).map(toUser);
  }

  /** An installer of the installation; the owner's own membership cannot be changed. */
  private async installer(
    sharing: SharingStore,
    installationId: number,
    accountId: string,
  ): Promise<InstallationUserRow> {
    const user = await sharing.user(installationId, accountId);
    if (!user) {
      throw new ApiError(
        'USER_NOT_FOUND',
        `Account ${accountId} is not a user of installation ${installationId}.`,
      );
    }
    if (user.role_code === 'owner') {
      throw new ApiError(
        'OWNER_ACCESS_FIXED',
        "The owner's access to the installation cannot be disabled or removed.",
      );
    }
    return user;
  }

  /** Disables or enables an installer (204 either way, also when already so). */
  async setEnabled(
    caller: Caller,
    installationId: number,
    accountId: string,
    enabled: boolean,
  ): Promise<void> {
    await this.deps.access.require(caller, installationId, 'share');
    await this.deps.uow.run(async ({ sharing }) => {
      await this.installer(sharing, installationId, accountId);
      await sharing.setInstallerEnabled(installationId, accountId, enabled);
    });
  }

  /** Removes an installer for good; the owner is told in the culture of its invitation. */
  async remove(caller: Caller, installationId: number, accountId: string): Promise<void> {
    const installation = await this.deps.access.require(caller, installationId, 'share');
    await this.deps.uow.run(async ({ sharing, sharingMail }) => {
      const user = await this.installer(sharing, installationId, accountId);
      const culture: MailCulture =
        (await sharing.acceptedCulture(installationId, accountId)) ?? 'en-GB';
      await sharing.removeInstaller(installationId, accountId);
      const owner = await sharing.owner(installationId);
      if (owner) {
        await sharingMail.enqueue({
          kind: 'installerRemoved',
          to: owner.email,
          culture,
          installationName: installation.name,
          installerName: displayName(user),
          installerEmail: user.email,
        });
      }
    });
  }
}
