import type { MailMessage } from '../messages.js';
import {
  DEFAULT_MAIL_TIME_ZONE,
  formatDate,
  render,
  type MailContent,
  type Put,
} from './layout.js';

type Invitation = Extract<MailMessage, { kind: 'invitation' }>;

/** The invitation an owner sends an installer: the activation link and code, and its expiry. */
export function invitationMail(message: Invitation) {
  const { culture, activationCode: code, link } = message;
  const inviter = message.inviterName.trim();
  const expires = formatDate(message.expirationDate, culture, DEFAULT_MAIL_TIME_ZONE);
  const words: Record<Invitation['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => {
      const installation = put(message.installationName);
      return {
        subject: inviter
          ? `${inviter} has invited you to monitor “${message.installationName}”`
          : `You are invited to monitor “${message.installationName}”`,
        blocks: [
          'Hello,',
          inviter
            ? `${put(inviter)} has invited you to monitor their Witty-Home installation “${installation}” as its installer.`
            : `You have been invited to monitor the Witty-Home installation “${installation}” as its installer.`,
          'To accept, open this link while signed in with your installer account:',
          { link, label: 'Accept the invitation' },
          'Or enter this activation code in your app:',
          { code },
          `This invitation expires on ${put(expires)} (Paris time). If you were not expecting it, you can simply ignore this e-mail.`,
          'The Witty-Home team',
        ],
      };
    },
    'fr-FR': (put) => {
      const installation = put(message.installationName);
      return {
        subject: inviter
          ? `${inviter} vous invite à suivre l’installation « ${message.installationName} »`
          : `Invitation à suivre l’installation « ${message.installationName} »`,
        blocks: [
          'Bonjour,',
          inviter
            ? `${put(inviter)} vous invite à suivre son installation Witty-Home « ${installation} » en tant qu’installateur.`
            : `Vous êtes invité à suivre l’installation Witty-Home « ${installation} » en tant qu’installateur.`,
          'Pour accepter l’invitation, ouvrez ce lien en étant connecté avec votre compte installateur :',
          { link, label: 'Accepter l’invitation' },
          'Vous pouvez aussi saisir ce code d’activation dans votre application :',
          { code },
          `Cette invitation expire le ${put(expires)} (heure de Paris). Si vous ne l’attendiez pas, ignorez simplement cet e-mail.`,
          'L’équipe Witty-Home',
        ],
      };
    },
    'de-DE': (put) => {
      const installation = put(message.installationName);
      return {
        subject: inviter
          ? `${inviter} lädt Sie ein, die Installation „${message.installationName}“ zu betreuen`
          : `Einladung zur Betreuung der Installation „${message.installationName}“`,
        blocks: [
          'Guten Tag,',
          inviter
            ? `${put(inviter)} lädt Sie ein, die Witty-Home-Installation „${installation}“ als Installateur zu betreuen.`
            : `Sie wurden eingeladen, die Witty-Home-Installation „${installation}“ als Installateur zu betreuen.`,
          'Um die Einladung anzunehmen, öffnen Sie diesen Link, während Sie mit Ihrem Installateur-Konto angemeldet sind:',
          { link, label: 'Einladung annehmen' },
          'Alternativ können Sie diesen Aktivierungscode in Ihrer App eingeben:',
          { code },
          `Die Einladung ist bis zum ${put(expires)} (Pariser Zeit) gültig. Falls Sie nicht mit dieser Einladung gerechnet haben, können Sie diese E-Mail einfach ignorieren.`,
          'Ihr Witty-Home-Team',
        ],
      };
    },
  };
  return render(culture, words[culture]);
}
