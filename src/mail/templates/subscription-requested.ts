import type { MailMessage } from '../messages.js';
import { nameOrAddress, render, type MailContent, type Put } from './layout.js';

type SubscriptionRequested = Extract<MailMessage, { kind: 'subscriptionRequested' }>;

/** Tells a portal administrator that a developer asked to subscribe to a product. */
export function subscriptionRequestedMail(message: SubscriptionRequested) {
  const { culture, link, subscriptionName: subscription, productName: product } = message;
  const developer = nameOrAddress(message.developerName, message.developerEmail);
  const words: Record<SubscriptionRequested['culture'], (put: Put) => MailContent> = {
    'en-GB': (put) => ({
      subject: `New subscription request for “${product}”`,
      blocks: [
        'Hello,',
        `${put(developer)} has requested the subscription “${put(subscription)}” to the product “${put(product)}” on the Witty-Home developer portal.`,
        'The subscription is waiting for your approval. To approve or reject it, open the list of pending subscriptions:',
        { link, label: 'See pending subscriptions' },
        'The Witty-Home team',
      ],
    }),
    'fr-FR': (put) => ({
      subject: `Nouvelle demande d’abonnement au produit « ${product} »`,
      blocks: [
        'Bonjour,',
        `${put(developer)} a demandé l’abonnement « ${put(subscription)} » au produit « ${put(product)} » sur le portail développeurs Witty-Home.`,
        'Cet abonnement attend votre validation. Pour l’approuver ou le refuser, ouvrez la liste des abonnements en attente :',
        { link, label: 'Voir les abonnements en attente' },
        'L’équipe Witty-Home',
      ],
    }),
    'de-DE': (put) => ({
      subject: `Neue Abonnementanfrage für „${product}“`,
      blocks: [
        'Guten Tag,',
        `${put(developer)} hat im Witty-Home-Entwicklerportal das Abonnement „${put(subscription)}“ für das Produkt „${put(product)}“ angefragt.`,
        'Das Abonnement wartet auf Ihre Freigabe. Um es freizugeben oder abzulehnen, öffnen Sie die Liste der ausstehenden Abonnements:',
        { link, label: 'Ausstehende Abonnements anzeigen' },
        'Ihr Witty-Home-Team',
      ],
    }),
  };
  return render(culture, words[culture]);
}
