import type { MailCulture, StationErrorMessage } from '../messages.js';
import { formatDate, render, type MailContent, type Put } from './layout.js';

/** The guide's name of each error code (its charging-station error list). */
export const GUIDE_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: 'NoError',
  1: 'M3CableFailure',
  2: 'M3CpShortCircuitFailure',
  3: 'CarOverconsumption',
  4: 'M3VentilationError',
  5: 'LoadSheddingFailure',
  6: 'M3CpFailure',
  9: 'SixmADetection',
  130: 'M3FatalErrorWeldedContact1',
  133: 'FatalErrorDcSensor6mA',
  400: 'Offline',
};

/** What an error means to an owner: a title and what to do, in each language. */
type Explanation = Record<MailCulture, { title: string; advice: string }>;

const EXPLANATIONS: Readonly<Record<number, Explanation>> = {
  1: {
    'en-GB': {
      title: 'Charging cable fault (M3 socket)',
      advice:
        'The charging cable or its connection to the M3 socket has a fault. Unplug the cable, check it for damage and plug it in again.',
    },
    'fr-FR': {
      title: 'Défaut du câble de recharge (prise M3)',
      advice:
        'Le câble de recharge ou sa connexion à la prise M3 présente un défaut. Débranchez le câble, vérifiez qu’il n’est pas endommagé, puis rebranchez-le.',
    },
    'de-DE': {
      title: 'Fehler am Ladekabel (Steckdose M3)',
      advice:
        'Das Ladekabel oder seine Verbindung zur M3-Steckdose ist fehlerhaft. Ziehen Sie das Kabel ab, prüfen Sie es auf Beschädigungen und stecken Sie es wieder ein.',
    },
  },
  2: {
    'en-GB': {
      title: 'Short circuit on the control pilot line (M3 socket)',
      advice:
        'The station detected a short circuit on the signal line between the vehicle and the M3 socket, and charging has stopped. Unplug the vehicle and plug it in again; if the error persists, contact your installer.',
    },
    'fr-FR': {
      title: 'Court-circuit sur la ligne pilote (prise M3)',
      advice:
        'La borne a détecté un court-circuit sur la ligne de communication entre le véhicule et la prise M3, et la recharge est interrompue. Débranchez puis rebranchez le véhicule ; si l’erreur persiste, contactez votre installateur.',
    },
    'de-DE': {
      title: 'Kurzschluss an der Steuerleitung (Steckdose M3)',
      advice:
        'Die Ladestation hat einen Kurzschluss an der Signalleitung zwischen Fahrzeug und M3-Steckdose erkannt und den Ladevorgang beendet. Trennen Sie das Fahrzeug und schließen Sie es erneut an. Besteht der Fehler weiter, wenden Sie sich an Ihren Installateur.',
    },
  },
  3: {
    'en-GB': {
      title: 'Vehicle drawing too much current',
      advice:
        'The vehicle drew more current than the station allows, so charging was stopped. If this happens again, contact your installer.',
    },
    'fr-FR': {
      title: 'Surconsommation du véhicule',
      advice:
        'Le véhicule a consommé plus de courant que la borne ne l’autorise, et la recharge a été interrompue. Si cela se reproduit, contactez votre installateur.',
    },
    'de-DE': {
      title: 'Zu hohe Stromaufnahme des Fahrzeugs',
      advice:
        'Das Fahrzeug hat mehr Strom aufgenommen, als die Ladestation zulässt, daher wurde der Ladevorgang beendet. Tritt dies erneut auf, wenden Sie sich an Ihren Installateur.',
    },
  },
  4: {
    'en-GB': {
      title: 'Ventilation fault (M3 socket)',
      advice:
        'The vehicle asked for ventilation while charging, which the station does not provide, so charging has stopped.',
    },
    'fr-FR': {
      title: 'Défaut de ventilation (prise M3)',
      advice:
        'Le véhicule demande une ventilation pendant la recharge, ce que la borne ne prend pas en charge : la recharge est interrompue.',
    },
    'de-DE': {
      title: 'Belüftungsfehler (Steckdose M3)',
      advice:
        'Das Fahrzeug fordert während des Ladens eine Belüftung an, die die Ladestation nicht unterstützt. Der Ladevorgang wurde deshalb beendet.',
    },
  },
  5: {
    'en-GB': {
      title: 'Load shedding fault',
      advice:
        'The station can no longer read how much power your home is using, so it cannot lower its charging power to keep you below your subscribed power. Check the connection to your electricity meter (TIC cable or Linky radio transmitter).',
    },
    'fr-FR': {
      title: 'Défaut de délestage',
      advice:
        'La borne ne parvient plus à lire la consommation de votre logement : elle ne peut donc plus réduire sa puissance de recharge pour rester sous votre puissance souscrite. Vérifiez la liaison avec votre compteur (câble TIC ou émetteur radio Linky).',
    },
    'de-DE': {
      title: 'Fehler beim Lastmanagement',
      advice:
        'Die Ladestation kann den Stromverbrauch Ihres Hauses nicht mehr erfassen und ihre Ladeleistung daher nicht mehr drosseln, um unter Ihrer vertraglich vereinbarten Leistung zu bleiben. Prüfen Sie die Verbindung zu Ihrem Stromzähler (TIC-Kabel oder Linky-Funksender).',
    },
  },
  6: {
    'en-GB': {
      title: 'Control pilot fault (M3 socket)',
      advice:
        'Communication between the vehicle and the M3 socket failed, so charging has stopped. Unplug the vehicle and plug it in again.',
    },
    'fr-FR': {
      title: 'Défaut de la ligne pilote (prise M3)',
      advice:
        'La communication entre le véhicule et la prise M3 a échoué, et la recharge est interrompue. Débranchez puis rebranchez le véhicule.',
    },
    'de-DE': {
      title: 'Fehler der Steuerleitung (Steckdose M3)',
      advice:
        'Die Kommunikation zwischen Fahrzeug und M3-Steckdose ist fehlgeschlagen, daher wurde der Ladevorgang beendet. Trennen Sie das Fahrzeug und schließen Sie es erneut an.',
    },
  },
  9: {
    'en-GB': {
      title: 'DC leakage current detected (6 mA)',
      advice:
        'The station detected a direct-current leakage of 6 mA or more and cut the power for safety. Unplug the vehicle; if the error comes back, contact your installer.',
    },
    'fr-FR': {
      title: 'Courant de fuite continu détecté (6 mA)',
      advice:
        'La borne a détecté un courant de fuite continu d’au moins 6 mA et a coupé l’alimentation par sécurité. Débranchez le véhicule ; si l’erreur réapparaît, contactez votre installateur.',
    },
    'de-DE': {
      title: 'Gleichfehlerstrom erkannt (6 mA)',
      advice:
        'Die Ladestation hat einen Gleichfehlerstrom von 6 mA oder mehr erkannt und die Stromzufuhr aus Sicherheitsgründen unterbrochen. Trennen Sie das Fahrzeug; tritt der Fehler erneut auf, wenden Sie sich an Ihren Installateur.',
    },
  },
  130: {
    'en-GB': {
      title: 'Welded contactor (M3 socket)',
      advice:
        'A power contact inside the station has welded shut, so the station can no longer switch the power off safely. Stop using the station and contact your installer.',
    },
    'fr-FR': {
      title: 'Contacteur soudé (prise M3)',
      advice:
        'Un contact de puissance de la borne est resté collé : la borne ne peut plus couper le courant en toute sécurité. N’utilisez plus la borne et contactez votre installateur.',
    },
    'de-DE': {
      title: 'Verschweißtes Schütz (Steckdose M3)',
      advice:
        'Ein Leistungskontakt in der Ladestation ist verschweißt, sodass sie den Strom nicht mehr sicher abschalten kann. Verwenden Sie die Ladestation nicht mehr und wenden Sie sich an Ihren Installateur.',
    },
  },
  133: {
    'en-GB': {
      title: 'DC leakage sensor fault',
      advice:
        'The sensor that watches for direct-current leakage has failed, so the station cannot charge safely. Contact your installer.',
    },
    'fr-FR': {
      title: 'Défaut du capteur de courant de fuite continu',
      advice:
        'Le capteur qui surveille les courants de fuite continus est défaillant : la borne ne peut plus recharger en toute sécurité. Contactez votre installateur.',
    },
    'de-DE': {
      title: 'Defekt des Gleichfehlerstrom-Sensors',
      advice:
        'Der Sensor zur Überwachung von Gleichfehlerströmen ist ausgefallen, daher kann die Ladestation nicht mehr sicher laden. Wenden Sie sich an Ihren Installateur.',
    },
  },
  400: {
    'en-GB': {
      title: 'Station offline',
      advice:
        'The platform no longer hears from the station: it may be switched off, or it may have lost its Wi-Fi or Ethernet connection. Check that it is powered and that your internet connection works.',
    },
    'fr-FR': {
      title: 'Borne hors ligne',
      advice:
        'La plateforme ne reçoit plus de nouvelles de la borne : elle est peut-être éteinte, ou elle a perdu sa connexion Wi-Fi ou Ethernet. Vérifiez qu’elle est alimentée et que votre connexion Internet fonctionne.',
    },
    'de-DE': {
      title: 'Ladestation offline',
      advice:
        'Die Plattform erhält keine Meldungen mehr von der Ladestation: Sie ist möglicherweise ausgeschaltet oder hat ihre WLAN- oder Ethernet-Verbindung verloren. Prüfen Sie, ob sie mit Strom versorgt wird und ob Ihre Internetverbindung funktioniert.',
    },
  },
};

const OFFLINE = 400;

const capitalised = (sentence: string) => sentence.charAt(0).toUpperCase() + sentence.slice(1);

/** The owner's title and advice for an error code, in a language (codes outside the list too). */
export function explainError(
  code: number,
  culture: MailCulture,
): { title: string; advice: string } {
  const known = EXPLANATIONS[code]?.[culture];
  if (known) return known;
  return {
    'en-GB': {
      title: `Error ${code}`,
      advice: 'If the error persists, contact your installer.',
    },
    'fr-FR': {
      title: `Erreur ${code}`,
      advice: 'Si l’erreur persiste, contactez votre installateur.',
    },
    'de-DE': {
      title: `Fehler ${code}`,
      advice: 'Besteht der Fehler weiter, wenden Sie sich an Ihren Installateur.',
    },
  }[culture];
}

/** An error raised by the owner's station, or cleared; Offline (400) reads as such. */
export function stationErrorMail(message: StationErrorMessage) {
  const { culture, code } = message;
  const { title, advice } = explainError(code, culture);
  const reference = `${code} ${GUIDE_ERROR_NAMES[code] ?? ''}`.trim();
  const when = formatDate(message.at, culture, message.timeZone);
  const raised = message.state === 'raised';
  const offline = code === OFFLINE;
  const station = message.stationName;
  const words: Record<MailCulture, (put: Put) => MailContent> = {
    'en-GB': (put) => {
      const where = `your charging station “${put(station)}” of the installation “${put(message.installationName)}”`;
      const note = put('station error alerts');
      return {
        subject: raised
          ? offline
            ? `Your charging station “${station}” is offline`
            : `Your charging station “${station}” reports an error: ${title}`
          : offline
            ? `Your charging station “${station}” is back online`
            : `Error cleared on your charging station “${station}”: ${title}`,
        blocks: [
          'Hello,',
          raised
            ? offline
              ? `${capitalised(where)} went offline on ${put(when)}.`
              : `On ${put(when)}, ${where} reported an error: ${put(title)} (code ${reference}).`
            : offline
              ? `${capitalised(where)} came back online on ${put(when)}.`
              : `${capitalised(where)} stopped reporting the error “${put(title)}” (code ${reference}) on ${put(when)}. It is working normally again.`,
          ...(raised ? [advice, 'We will write to you again when the error has cleared.'] : []),
          'The Witty-Home team',
          {
            note: `You receive this e-mail because ${note} are on for your account. You can turn them off in your app.`,
          },
        ],
      };
    },
    'fr-FR': (put) => {
      const where = `votre borne de recharge « ${put(station)} » de l’installation « ${put(message.installationName)} »`;
      return {
        subject: raised
          ? offline
            ? `Votre borne de recharge « ${station} » est hors ligne`
            : `Votre borne de recharge « ${station} » signale une erreur : ${title}`
          : offline
            ? `Votre borne de recharge « ${station} » est de nouveau en ligne`
            : `Erreur résolue sur votre borne de recharge « ${station} » : ${title}`,
        blocks: [
          'Bonjour,',
          raised
            ? offline
              ? `Depuis le ${put(when)}, ${where} est hors ligne.`
              : `Le ${put(when)}, ${where} a signalé une erreur : ${put(title)} (code ${reference}).`
            : offline
              ? `Depuis le ${put(when)}, ${where} est de nouveau en ligne.`
              : `Depuis le ${put(when)}, ${where} ne signale plus l’erreur « ${put(title)} » (code ${reference}). Elle fonctionne de nouveau normalement.`,
          ...(raised
            ? [advice, 'Nous vous écrirons de nouveau lorsque l’erreur aura disparu.']
            : []),
          'L’équipe Witty-Home',
          {
            note: `Vous recevez cet e-mail parce que les ${put('alertes d’erreur de la borne')} sont activées pour votre compte. Vous pouvez les désactiver depuis votre application.`,
          },
        ],
      };
    },
    'de-DE': (put) => {
      const yours = `Ihre Ladestation „${put(station)}“ der Installation „${put(message.installationName)}“`;
      return {
        subject: raised
          ? offline
            ? `Ihre Ladestation „${station}“ ist offline`
            : `Ihre Ladestation „${station}“ meldet einen Fehler: ${title}`
          : offline
            ? `Ihre Ladestation „${station}“ ist wieder online`
            : `Fehler an Ihrer Ladestation „${station}“ behoben: ${title}`,
        blocks: [
          'Guten Tag,',
          raised
            ? offline
              ? `Seit dem ${put(when)} ist ${yours} offline.`
              : `Am ${put(when)} hat ${yours} einen Fehler gemeldet: ${put(title)} (Code ${reference}).`
            : offline
              ? `Seit dem ${put(when)} ist ${yours} wieder online.`
              : `Seit dem ${put(when)} meldet ${yours} den Fehler „${put(title)}“ (Code ${reference}) nicht mehr. Sie funktioniert wieder normal.`,
          ...(raised ? [advice, 'Wir schreiben Ihnen erneut, sobald der Fehler behoben ist.'] : []),
          'Ihr Witty-Home-Team',
          {
            note: `Sie erhalten diese E-Mail, weil die ${put('Fehlermeldungen der Ladestation')} für Ihr Konto aktiviert sind. Sie können sie in Ihrer App deaktivieren.`,
          },
        ],
      };
    },
  };
  return render(culture, words[culture]);
}
