import type { MailMessage } from '../messages.js';
import { nameOrAddress, render, type MailContent, type Put } from './layout.js';

type InvitationAccepted = Extract<MailMessage, { kind: 'invitationAccepted' }>;

/** Tells the owner that the installer they invited accepted. */
export function invitationAcceptedMail(message: InvitationAccepted) {
  const { culture } = message;
  const installer = nameOrAddress(message.installerName, message.installerEmail);
  const words: Record<InvitationAccepted['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => ({
      subject: `${installer} has accepted your invitation to “${message.installationName}”`,
      blocks: [
        'Hello,',
        `${put(installer)} has accepted your invitation and is now an installer of your Witty-Home installation “${put(message.installationName)}”.`,
        'Installers see the general data of your installation and charging station. They do not see your costs or your consumption, and they cannot send commands to your charging station.',
        'You can disable or remove this installer at any time from your app.',
        'The Witty-Home team',
      ],
    }),
    'fr-FR': (put) => ({
      subject: `${installer} a accepté votre invitation pour « ${message.installationName} »`,
      blocks: [
        'Bonjour,',
        `${put(installer)} a accepté votre invitation et suit désormais votre installation Witty-Home « ${put(message.installationName)} » en tant qu’installateur.`,
        'Un installateur voit les données générales de votre installation et de votre borne de recharge. Il ne voit ni vos coûts ni votre consommation, et ne peut envoyer aucune commande à votre borne.',
        'Vous pouvez à tout moment désactiver ou retirer cet accès depuis votre application.',
        'L’équipe Witty-Home',
      ],
    }),
    'de-DE': (put) => ({
      subject: `${installer} hat Ihre Einladung zu „${message.installationName}“ angenommen`,
      blocks: [
        'Guten Tag,',
        `${put(installer)} hat Ihre Einladung angenommen und betreut nun Ihre Witty-Home-Installation „${put(message.installationName)}“ als Installateur.`,
        'Installateure sehen die allgemeinen Daten Ihrer Installation und Ihrer Ladestation, jedoch weder Ihre Kosten noch Ihren Verbrauch, und sie können keine Befehle an Ihre Ladestation senden.',
        'Sie können diesen Zugang jederzeit in Ihrer App deaktivieren oder entfernen.',
        'Ihr Witty-Home-Team',
      ],
    }),
  };
  return render(culture, words[culture]);
}
