import type { MailMessage } from './messages.js';
import { accountConfirmationMail } from './templates/account-confirmation.js';
import { installerRemovedMail } from './templates/installer-removed.js';
import { invitationAcceptedMail } from './templates/invitation-accepted.js';
import { invitationMail } from './templates/invitation.js';
import type { RenderedMail } from './templates/layout.js';
import { passwordResetMail } from './templates/password-reset.js';
import { stationErrorMail } from './templates/station-error.js';
import { subscriptionApprovedMail } from './templates/subscription-approved.js';
import { subscriptionRejectedMail } from './templates/subscription-rejected.js';
import { subscriptionRequestedMail } from './templates/subscription-requested.js';

/** The subject, text and HTML of a message, in its culture. */
export function renderMail(message: MailMessage): RenderedMail {
  switch (message.kind) {
    case 'invitation':
      return invitationMail(message);
    case 'invitationAccepted':
      return invitationAcceptedMail(message);
    case 'installerRemoved':
      return installerRemovedMail(message);
    case 'stationError':
      return stationErrorMail(message);
    case 'accountConfirmation':
      return accountConfirmationMail(message);
    case 'passwordReset':
      return passwordResetMail(message);
    case 'subscriptionRequested':
      return subscriptionRequestedMail(message);
    case 'subscriptionApproved':
      return subscriptionApprovedMail(message);
    case 'subscriptionRejected':
      return subscriptionRejectedMail(message);
  }
}
