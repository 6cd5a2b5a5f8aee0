import {
  csrfField,
  markup,
  page,
  type Language,
  type PageContext,
  type SafeHtml,
} from '../portal/index.js';
import type { ChartView, EnergyChart } from './energy.js';
import { WORDS, type DashboardWords } from './i18n.js';
import type { StationState } from './station-view.js';

/** What every dashboard page knows of its request. */
export interface DashboardContext extends PageContext {
  w: DashboardWords;
  signedIn: boolean;
}

/** The dashboard's own header: its navigation and the sign-out form. */
export function dashboardPage(
  ctx: DashboardContext,
  options: { title: string; body: SafeHtml; scripts?: readonly string[] },
): string {
  const { w } = ctx;
  const current = ctx.path === '/dashboard' ? markup` aria-current="page"` : '';
  return page(ctx, {
    title: options.title,
    body: options.body,
    site: {
      name: w.siteName,
      home: '/dashboard',
      nav: [
        markup`<li><a href="/dashboard" ${current}>${w.navInstallations}</a></li>`,
        markup`<li><a href="/">${w.navDevelopers}</a></li>`,
      ],
      session: ctx.signedIn
        ? markup`<form class="inline-form" method="post" action="/dashboard/signout">
            ${csrfField(ctx)}<button class="link-button" type="submit">${w.signOut}</button>
          </form>`
        : markup`<a href="/dashboard/signin">${w.signInTitle}</a>`,
      styles: ['/dashboard/assets/dashboard.css'],
      scripts: options.scripts ?? [],
    },
  });
}

/** A page that only says something (not found, expired form, signed out…). */
export function messagePage(
  ctx: DashboardContext,
  title: string,
  text: string,
  link?: { href: string; label: string },
): string {
  return dashboardPage(ctx, {
    title,
    body: markup`<h1>${title}</h1>
      <p>${text}</p>
      ${link ? markup`<p><a class="button" href="${link.href}">${link.label}</a></p>` : ''}`,
  });
}

/** An installation as the API lists it. */
export interface InstallationItem {
  installationId: number;
  name: string;
  locationName: string;
  externalId: string | null;
}

/** The signed-in person's installations. */
export function installationsPage(
  ctx: DashboardContext,
  installations: readonly InstallationItem[],
): string {
  const { w } = ctx;
  const items = installations.map(
    (i) => markup`<li class="card">
      <h2><a href="/dashboard/installations/${i.installationId}">${i.name}</a></h2>
      <p>${i.locationName}${i.externalId ? markup` · <code>${i.externalId}</code>` : ''}</p>
    </li>`,
  );
  return dashboardPage(ctx, {
    title: w.installationsTitle,
    body: markup`<h1>${w.installationsTitle}</h1>
      ${
        installations.length === 0
          ? markup`<p>${w.noInstallations}</p>`
          : markup`<ul class="installations">
              ${items}
            </ul>`
      }`,
  });
}

/** How a page writes numbers and dates, in the installation's zone. */
export interface Formats {
  lang: Language;
  zone: string;
  /** The currency of costs (ISO 4217), for owners. */
  currency: string | null;
}

const locale = (lang: Language) => (lang === 'fr' ? 'fr-FR' : 'en-GB');

function formatNumber(f: Formats, value: number, digits = 2): string {
  return new Intl.NumberFormat(locale(f.lang), { maximumFractionDigits: digits }).format(value);
}

function formatCost(f: Formats, value: number): string {
  if (!f.currency) return formatNumber(f, value, 3);
  try {
    return new Intl.NumberFormat(locale(f.lang), {
      style: 'currency',
      currency: f.currency.toUpperCase(),
      maximumFractionDigits: 3,
    }).format(value);
  } catch {
    return `${formatNumber(f, value, 3)} ${f.currency}`;
  }
}

/** A date and time in the installation's zone. */
function formatWhen(f: Formats, iso: string): string {
  return new Intl.DateTimeFormat(locale(f.lang), {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: f.zone,
  }).format(new Date(iso));
}

const fact = (label: string, value: SafeHtml | string, name: string) =>
  markup`<dt>${label}</dt><dd data-field="${name}">${value}</dd>`;

/** The live state of a station: rendered in the page and sent again by its event stream. */
export function stationStateFragment(w: DashboardWords, f: Formats, state: StationState): SafeHtml {
  const session = state.session;
  return markup`<dl class="facts live">
      ${fact(w.availability, w.availabilityValues[state.availability] ?? state.availability, 'availability')}
      ${fact(w.plug, w.plugValues[state.carPlugStatus ?? 'none'] ?? String(state.carPlugStatus), 'plug')}
      ${fact(w.chargeMode, w.chargeModeValues[state.chargeMode] ?? state.chargeMode, 'chargeMode')}
      ${fact(
        w.heartbeat,
        markup`<span class="badge ${state.online ? 'enabled' : 'disabled'}"
            >${state.online ? w.online : w.offline}</span
          >
          ${state.heartbeatAt ? w.lastHeartbeat(formatWhen(f, state.heartbeatAt)) : w.noHeartbeat}`,
        'heartbeat',
      )}
      ${fact(w.error, state.error.code === 0 ? w.noError : `${state.error.name} (${state.error.code})`, 'error')}
    </dl>
    <h3>${w.currentSession}</h3>
    ${
      session
        ? markup`<dl class="facts session">
            ${fact(w.sessionStarted, formatWhen(f, session.startDate), 'sessionStart')}
            ${fact(w.sessionDuration, session.duration, 'sessionDuration')}
            ${fact(w.chargingSpeed, w.speedValues[session.chargingSpeed] ?? session.chargingSpeed, 'chargingSpeed')}
            ${fact(w.energy, `${formatNumber(f, session.energyKwh, 3)} kWh`, 'energy')}
            ${session.cost === undefined ? '' : fact(w.cost, formatCost(f, session.cost), 'cost')}
            ${fact(w.range, w.kilometres(session.rangeKm), 'range')}
          </dl>`
        : markup`<p>${w.noSession}</p>`
    }`;
}

/** One of the station's last sessions, from its logs. */
export interface SessionItem {
  date: string;
  /** SessionEnd (owners): durations in seconds, energy in kWh, cost. */
  end?: { sessionDuration: number; chargingDuration: number; energy: number; cost: number };
  /** SessionStart (installers, who do not see SessionEnd): the socket. */
  socket?: string;
}

function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function sessionsTable(ctx: DashboardContext, f: Formats, sessions: readonly SessionItem[]) {
  const { w } = ctx;
  if (sessions.length === 0) return markup`<p>${w.noSessions}</p>`;
  const owner = sessions.some((s) => s.end);
  return markup`<div class="table-wrap">
    <table>
      <caption class="visually-hidden">${w.sessionsTitle}</caption>
      <thead>
        <tr>
          <th scope="col">${owner ? w.sessionEnded : w.sessionStarted}</th>
          ${
            owner
              ? markup`<th scope="col">${w.sessionDuration}</th>
                  <th scope="col">${w.chargingDuration}</th>
                  <th scope="col">${w.energy} (kWh)</th>
                  <th scope="col">${w.cost}</th>`
              : markup`<th scope="col">${w.socket}</th>`
          }
        </tr>
      </thead>
      <tbody>
        ${sessions.map(
          (s) => markup`<tr>
            <td>${formatWhen(f, s.date)}</td>
            ${
              s.end
                ? markup`<td>${duration(s.end.sessionDuration)}</td>
                    <td>${duration(s.end.chargingDuration)}</td>
                    <td>${formatNumber(f, s.end.energy, 3)}</td>
                    <td>${formatCost(f, s.end.cost)}</td>`
                : markup`<td>${(s.socket ?? '').toUpperCase()}</td>`
            }
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The chart's words and figures, as the page's script draws them. */
export function chartData(w: DashboardWords, chart: EnergyChart) {
  return {
    unit: chart.unit,
    days: chart.days,
    series: chart.series.map((s) => ({
      source: s.source,
      tariff: s.tariff,
      label: w.series[s.source][s.tariff],
      values: s.values,
    })),
  };
}

function energySection(
  ctx: DashboardContext,
  f: Formats,
  chart: EnergyChart,
  page: string,
  source: string,
) {
  const { w } = ctx;
  const { view } = chart;
  const series = chartData(w, chart).series;
  const houseNote =
    chart.house === 'noConsent'
      ? w.houseNoConsent
      : chart.house === 'noMeter'
        ? w.houseNoMeter
        : '';
  const title = w.chartTitle(view.measure, view.step, chart.days.length);
  const query = (v: ChartView) =>
    v.step === 'day' && v.measure === 'energy' ? '' : `?step=${v.step}&measure=${v.measure}`;
  const link = (v: ChartView, text: string) => {
    const current = v.step === view.step && v.measure === view.measure;
    return markup`<a href="${page}${query(v)}#energy-title"${current ? markup` aria-current="page"` : ''}>${text}</a>`;
  };
  const digits = view.measure === 'energy' ? 3 : 2;
  return markup`<section aria-labelledby="energy-title">
    <h2 id="energy-title">${title}</h2>
    <nav class="chart-views" aria-label="${w.chartViews}">
      <p>${link({ ...view, step: 'day' }, w.byDay)} · ${link({ ...view, step: 'month' }, w.byMonth)}</p>
      <p>${link({ ...view, measure: 'energy' }, w.energyView)} · ${link({ ...view, measure: 'cost' }, w.costView)}</p>
    </nav>
    <div class="chart-box">
      <canvas id="energy-chart" data-source="${source}${query(view)}" role="img" aria-label="${w.chartLabel}"></canvas>
    </div>
    ${houseNote ? markup`<p class="hint">${houseNote}</p>` : ''}
    <div class="table-wrap">
      <table class="energy">
        <caption>${title} (${chart.unit})</caption>
        <thead>
          <tr>
            <th scope="col">${view.step === 'day' ? w.day : w.month}</th>
            ${series.map((s) => markup`<th scope="col">${s.label}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${chart.days.map(
            (day, n) => markup`<tr>
              <th scope="row">${day}</th>
              ${series.map((s) => markup`<td>${formatNumber(f, s.values[n] ?? 0, digits)}</td>`)}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

/** A command's outcome to show on the page after a form sent without script. */
export type CommandNotice =
  | { kind: 'sent'; commandType: string; status: string; progress: string }
  | { kind: 'refused'; code: string };

/** The words of a command's progress. */
export function progressText(w: DashboardWords, commandType: string, status: string): string {
  return `${w.commandNames[commandType] ?? commandType}: ${w.commandStatus[status] ?? status}`;
}

/** The words of a refused command. */
export function refusalText(w: DashboardWords, code: string): string {
  return w.commandRefused(w.refusals[code] ?? w.refusedOther(code));
}

function commandsSection(ctx: DashboardContext, base: string, notice: CommandNotice | undefined) {
  const { w } = ctx;
  const form = (action: string, content: SafeHtml) =>
    markup`<form class="command" method="post" action="${base}/${action}" data-command>
      ${csrfField(ctx)}${content}
    </form>`;
  const status =
    notice?.kind === 'sent'
      ? markup`<p id="command-progress" class="notice" role="status" data-progress="${notice.progress}"
          >${progressText(w, notice.commandType, notice.status)}</p
        >`
      : notice?.kind === 'refused'
        ? markup`<p id="command-progress" class="notice refused" role="status">${refusalText(w, notice.code)}</p>`
        : markup`<p id="command-progress" class="notice" role="status" hidden></p>`;
  return markup`<section aria-labelledby="commands-title">
    <h2 id="commands-title">${w.commandsTitle}</h2>
    ${status}
    <div class="commands">
      ${form(
        'charge-mode',
        markup`<fieldset>
          <legend>${w.setChargeMode}</legend>
          <button type="submit" name="chargeMode" value="immediate">${w.modeImmediate}</button>
          <button type="submit" name="chargeMode" value="deferred">${w.modeDeferred}</button>
        </fieldset>`,
      )}
      ${form('start', markup`<button type="submit">${w.start}</button>`)}
      ${form('stop', markup`<button type="submit" class="secondary">${w.stop}</button>`)}
    </div>
  </section>`;
}

/**
 * The owner's TIC consent (the guide's Authorize-TIC): given, the station sends its Linky's
 * data and the chart shows the house; a form gives or withdraws it through the API.
 */
function ticSection(
  ctx: DashboardContext,
  base: string,
  meterId: string,
  given: boolean,
  changed: TicNotice | undefined,
) {
  const { w } = ctx;
  return markup`<section aria-labelledby="tic-title">
    <h2 id="tic-title">${w.ticTitle}</h2>
    ${changed ? markup`<p class="notice" role="status">${changed === 'given' ? w.ticGiven : w.ticWithdrawn}</p>` : ''}
    <p class="hint">${given ? w.ticHintGiven : w.ticHintNotGiven}</p>
    <form method="post" action="${base}/tic-consent">
      ${csrfField(ctx)}
      <input type="hidden" name="meter" value="${meterId}">
      <button type="submit" name="authorize" value="${given ? 'false' : 'true'}"${given ? markup` class="secondary"` : ''}>${given ? w.ticWithdraw : w.ticGive}</button>
    </form>
  </section>`;
}

/** The outcome of the TIC consent form, shown on the page it returns to. */
export type TicNotice = 'given' | 'withdrawn';

/** What the station page shows. */
export interface StationPageData {
  installation: InstallationItem;
  station: { id: string; name: string } | null;
  owner: boolean;
  formats: Formats;
  state: StationState | null;
  chart: EnergyChart | null;
  sessions: readonly SessionItem[];
  notice?: CommandNotice;
  tic?: TicNotice;
}

/** An installation's station: live state, commands (owners), energy and last sessions. */
export function stationPage(ctx: DashboardContext, data: StationPageData): string {
  const { w } = ctx;
  const { installation, station, formats } = data;
  const base = `/dashboard/installations/${installation.installationId}`;
  const head = markup`<p><a href="/dashboard">${w.backToInstallations}</a></p>
    <h1>${installation.name}</h1>
    <p>${installation.locationName}</p>`;
  if (!station || !data.state) {
    return dashboardPage(ctx, {
      title: installation.name,
      body: markup`${head}
        <p>${w.noStationYet}</p>`,
    });
  }
  const stationBase = `${base}/stations/${station.id}`;
  return dashboardPage(ctx, {
    title: installation.name,
    scripts: [
      ...(data.owner ? ['/dashboard/assets/chart.umd.js'] : []),
      '/dashboard/assets/dashboard.js',
    ],
    body: markup`${head}
      ${
        data.owner
          ? markup`<p><a href="${base}/sharing">${w.sharingLink}</a> · <a href="${base}/tariffs">${w.tariffsLink}</a> · <a href="${base}/webhooks">${w.webhooksLink}</a></p>`
          : ''
      }
      <section aria-labelledby="live-title">
        <h2 id="live-title">${w.stationTitle(station.name)}</h2>
        <p class="hint">${w.liveHint}</p>
        <div id="station-state" data-events="${base}/events" aria-live="polite">
          ${stationStateFragment(w, formats, data.state)}
        </div>
      </section>
      ${data.owner ? commandsSection(ctx, stationBase, data.notice) : markup`<p class="notice">${w.installerNote}</p>`}
      ${data.chart ? energySection(ctx, formats, data.chart, base, `${base}/energy`) : ''}
      ${data.chart?.meterId ? ticSection(ctx, base, data.chart.meterId, data.chart.house === 'shown', data.tic) : ''}
      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">${w.sessionsTitle}</h2>
        ${sessionsTable(ctx, formats, data.sessions)}
      </section>`,
  });
}

/** The dashboard's words for a language. */
export function wordsOf(lang: Language): DashboardWords {
  return WORDS[lang];
}
