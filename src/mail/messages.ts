/** The languages mails are written in (the guide's invitation cultureCode values). */
export const MAIL_CULTURES = ['en-GB', 'fr-FR', 'de-DE'] as const;
export type MailCulture = (typeof MAIL_CULTURES)[number];

/** A station error raised, or cleared (back to NoError, or Offline ended). */
export interface StationErrorMessage {
  kind: 'stationError';
  to: string;
  culture: MailCulture;
  installationName: string;
  /** The station's friendlyName, or its uid. */
  stationName: string;
  state: 'raised' | 'cleared';
  /** The guide's error code raised, or the one that cleared. */
  code: number;
  /** When it happened (ISO 8601). */
  at: string;
  /** IANA time zone the date is shown in (the installation's). */
  timeZone: string;
}

/** Every mail the platform sends; `to` is the recipient's address. */
export type MailMessage =
  | {
      kind: 'invitation';
      to: string;
      culture: MailCulture;
      installationName: string;
      /** May be empty (an account without names): the mail then names no inviter. */
      inviterName: string;
      activationCode: string;
      link: string;
      /** ISO 8601. */
      expirationDate: string;
    }
  | {
      kind: 'invitationAccepted';
      to: string;
      culture: MailCulture;
      installationName: string;
      /** May be empty: the mail names the installer by e-mail address then. */
      installerName: string;
      installerEmail: string;
    }
  | {
      kind: 'installerRemoved';
      to: string;
      culture: MailCulture;
      installationName: string;
      installerName: string;
      installerEmail: string;
    }
  | StationErrorMessage
  | {
      kind: 'accountConfirmation';
      to: string;
      culture: MailCulture;
      /** May be empty: the mail then greets no one by name. */
      name: string;
      /** Where the address is confirmed. */
      link: string;
      /** ISO 8601. */
      expirationDate: string;
    }
  | {
      kind: 'passwordReset';
      to: string;
      culture: MailCulture;
      /** Where a new password is chosen; it works once. */
      link: string;
      /** ISO 8601. */
      expirationDate: string;
    }
  | {
      kind: 'subscriptionRequested';
      /** An administrator of the developer portal. */
      to: string;
      culture: MailCulture;
      /** May be empty: the mail names the developer by e-mail address then. */
      developerName: string;
      developerEmail: string;
      subscriptionName: string;
      productName: string;
      /** The administrators' page of pending subscriptions. */
      link: string;
    }
  | {
      kind: 'subscriptionApproved';
      to: string;
      culture: MailCulture;
      subscriptionName: string;
      productName: string;
      /** The developer's profile page, where the subscription's keys are. */
      link: string;
    }
  | {
      kind: 'subscriptionRejected';
      to: string;
      culture: MailCulture;
      subscriptionName: string;
      productName: string;
      /** May be empty: the mail then gives no reason. */
      reason: string;
      /** The products page. */
      link: string;
    };

export type MailKind = MailMessage['kind'];

/** The mail culture of a station's `culture` (en-gb | fr-fr | de-de); anything else en-GB. */
export function mailCultureOf(stationCulture: string | null | undefined): MailCulture {
  switch (stationCulture?.toLowerCase()) {
    case 'fr-fr':
      return 'fr-FR';
    case 'de-de':
      return 'de-DE';
    default:
      return 'en-GB';
  }
}
