import type { MailMessage } from './messages.js';
import { installerRemovedMail } from './templates/installer-removed.js';
import { invitationAcceptedMail } from './templates/invitation-accepted.js';
import { invitationMail } from './templates/invitation.js';
import type { RenderedMail } from './templates/layout.js';
import { stationErrorMail } from './templates/station-error.js';

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
  }
}
