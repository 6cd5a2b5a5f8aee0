// @ts-check
// Which room of src/ may import which (docs/decisions.md, "Rooms and their doors"). A feature is
// entered only through its index.ts; shared infrastructure (config, clock, errors, db/, http/,
// domain/) is open to the features. `npm run lint` enforces it; test/lint/boundaries.test.ts
// shows a forbidden import failing.

/** Rooms entered only through their index.ts. */
export const FEATURES = [
  'identity',
  'installations',
  'devices',
  'stations',
  'grid',
  'telemetry',
  'gateway',
  'sim',
  'demo',
  'portal',
  'protocol',
  'bus',
  'notifications',
  'mail',
  'sharing',
  'sandbox',
  'dashboard',
];

/** The features each room may import (through their index.ts). */
export const MAY_IMPORT = {
  protocol: [],
  bus: ['protocol'],
  identity: [],
  installations: ['identity'],
  devices: [],
  // Telemetry records and serves measures for stations and grid meters; it imports no other
  // feature (identity authenticates its routes).
  telemetry: ['identity'],
  stations: ['identity', 'installations', 'devices', 'telemetry', 'protocol', 'bus'],
  grid: ['identity', 'installations', 'devices', 'telemetry', 'stations', 'protocol'],
  gateway: ['devices', 'stations', 'protocol', 'bus'],
  // The simulator is a pure OCPP client of any CSMS: the protocol, nothing of the platform.
  sim: ['protocol'],
  // The demo drives the platform and the simulator.
  demo: ['identity', 'stations', 'sim', 'protocol'],
  // The developer portal: accounts and subscriptions (identity), its mails (mail).
  portal: ['identity', 'mail'],
  // The owner dashboard: a client of the provider and the API (identity), in the portal's
  // layout (portal), naming the guide's error codes (protocol).
  dashboard: ['identity', 'portal', 'protocol'],
  // Try-it sandboxes: an owner per approved subscription, with a virtual station (sim).
  sandbox: ['identity', 'sim'],
  // Event subscriptions (owner only, through installations) and the webhook outbox.
  notifications: ['identity', 'installations'],
  // The mail outbox, its templates and owner alerts (settings routes authenticate through identity).
  mail: ['identity'],
  // Invitations and installers' memberships; the access table stays in installations.
  sharing: ['identity', 'installations', 'mail'],
};

/** Pure rooms: no import outside themselves but these (patterns of paths relative to src/). */
const PURE = {
  domain: [],
  protocol: ['domain/[a-z-]+\\.js'],
  bus: ['protocol/index\\.js'],
};

const alternatives = (names) => `(${names.join('|')})`;

/** @returns {import('eslint').Linter.Config[]} */
export function boundaries() {
  const configs = [
    {
      files: ['src/*.ts', 'src/cli/**/*.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^\\.{1,2}/${alternatives(FEATURES)}/(?!index\\.js$)`,
                message: 'Enter a feature through its index.ts.',
              },
            ],
          },
        ],
      },
    },
  ];
  for (const [room, allowed] of Object.entries(MAY_IMPORT)) {
    const others = FEATURES.filter((feature) => feature !== room);
    const forbidden = others.filter((feature) => !allowed.includes(feature));
    const patterns = [
      {
        regex: `^(\\.\\./)+${alternatives(others)}/(?!index\\.js$)`,
        message: 'Enter a feature through its index.ts.',
      },
      {
        regex: `^(\\.\\./)+${alternatives(forbidden)}/`,
        message: `${room}/ may not import this room (eslint.boundaries.js).`,
      },
    ];
    if (room !== 'demo') {
      patterns.push({
        regex: '^(\\.\\./)+(app|main)\\.js$',
        message: `Only the composition root wires the platform; ${room}/ may not import it.`,
      });
    }
    if (room === 'sim') {
      patterns.push({
        regex: '^(\\.\\./)+(db|config\\.js)',
        message: 'The simulator is an OCPP client: it has no database nor platform settings.',
      });
    }
    configs.push({
      files: [`src/${room}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns }] },
    });
  }
  for (const [room, allowed] of Object.entries(PURE)) {
    configs.push({
      files: [`src/${room}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^\\.\\./${allowed.length ? `(?!${alternatives(allowed)}$)` : ''}`,
                message: `${room}/ is pure: it imports nothing of the platform.`,
              },
            ],
          },
        ],
      },
    });
  }
  return configs;
}
