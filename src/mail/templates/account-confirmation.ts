import type { MailMessage } from '../messages.js';
import { formatDate, PORTAL_MAIL_TIME_ZONE, render, type MailContent, type Put } from './layout.js';

type AccountConfirmation = Extract<MailMessage, { kind: 'accountConfirmation' }>;

/** Asks a new developer to confirm their address to finish creating their portal account. */
export function accountConfirmationMail(message: AccountConfirmation) {
  const { culture, link } = message;
  const name = message.name.trim();
  const expires = formatDate(message.expirationDate, culture, PORTAL_MAIL_TIME_ZONE);
  const words: Record<AccountConfirmation['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => ({
      subject: 'Confirm your e-mail address',
      blocks: [
        name ? `Hello ${put.plain(name)},` : 'Hello,',
        'Thank you for signing up to the Witty-Home developer portal. To finish creating your developer account, please confirm your e-mail address by opening this link:',
        { link, label: 'Confirm my e-mail address' },
        `This link expires on ${put(expires)} (UTC). If you did not create an account, you can simply ignore this e-mail.`,
        'The Witty-Home team',
      ],
    }),
    'fr-FR': (put) => ({
      subject: 'Confirmez votre adresse e-mail',
      blocks: [
        name ? `Bonjour ${put.plain(name)},` : 'Bonjour,',
        'Merci pour votre inscription au portail développeurs Witty-Home. Pour finaliser la création de votre compte développeur, confirmez votre adresse e-mail en ouvrant ce lien :',
        { link, label: 'Confirmer mon adresse e-mail' },
        `Ce lien expire le ${put(expires)} (UTC). Si vous n’avez pas créé de compte, ignorez simplement cet e-mail.`,
        'L’équipe Witty-Home',
      ],
    }),
    'de-DE': (put) => ({
      subject: 'Bestätigen Sie Ihre E-Mail-Adresse',
      blocks: [
        name ? `Guten Tag ${put.plain(name)},` : 'Guten Tag,',
        'Sie haben sich im Witty-Home-Entwicklerportal registriert. Um die Einrichtung Ihres Entwicklerkontos abzuschließen, bestätigen Sie bitte Ihre E-Mail-Adresse über diesen Link:',
        { link, label: 'E-Mail-Adresse bestätigen' },
        `Der Link ist bis zum ${put(expires)} (UTC) gültig. Falls Sie kein Konto angelegt haben, können Sie diese E-Mail einfach ignorieren.`,
        'Ihr Witty-Home-Team',
      ],
    }),
  };
  return render(culture, words[culture]);
}
