import type { CommitHooks } from '../db/unit-of-work.js';
import type { MailMessage } from '../mail/index.js';

/** The mails sharing sends: the invitation to the installer, and what the owner is told. */
export type SharingMail = Extract<
  MailMessage,
  { kind: 'invitation' | 'invitationAccepted' | 'installerRemoved' }
>;

/**
 * Where sharing hands its mails. The platform's binding is part of the change's unit of work:
 * a mail is queued if and only if the change commits.
 */
export interface SharingMailer {
  enqueue(message: SharingMail): Promise<void>;
}

/**
 * Binds a mailer that is not transactional to a unit of work: the mail is handed over once the
 * work commits, and never when it rolls back.
 */
export function afterCommitMailer(
  mailer: SharingMailer,
  hooks: CommitHooks,
  onError: (error: unknown, message: SharingMail) => void,
): SharingMailer {
  return {
    enqueue(message) {
      hooks.afterCommit(() => {
        mailer.enqueue(message).catch((error: unknown) => onError(error, message));
      });
      return Promise.resolve();
    },
  };
}
