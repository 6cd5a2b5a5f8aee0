import { describe, expect, it } from 'vitest';
import {
  clearProfiles,
  compositeSchedule,
  endTransaction,
  installProfile,
  limitAt,
  limitSegments,
  type ChargingProfile,
  type ConnectorContext,
  type InstalledProfile,
  type SmartChargingCapabilities,
} from '../../src/sim/smart-charging.js';

const T0 = '2026-11-25T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000);

/** A profile on connector 0 (1 for a TxProfile): one period per [startMinute, limit]. */
function aProfile(
  overrides: Partial<ChargingProfile> & {
    periods?: [number, number][];
    duration?: number;
    startSchedule?: string;
    unit?: 'A' | 'W';
    connectorId?: number;
  } = {},
): InstalledProfile {
  const {
    periods = [[0, 32]],
    duration,
    startSchedule = T0,
    unit = 'A',
    connectorId,
    ...profile
  } = overrides;
  const purpose = profile.chargingProfilePurpose ?? 'TxDefaultProfile';
  return {
    connectorId: connectorId ?? (purpose === 'TxProfile' ? 1 : 0),
    profile: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Absolute',
      ...profile,
      chargingSchedule: {
        ...(duration !== undefined ? { duration } : {}),
        ...(startSchedule ? { startSchedule } : {}),
        chargingRateUnit: unit,
        chargingSchedulePeriod: periods.map(([minute, limit]) => ({
          startPeriod: minute * 60,
          limit,
        })),
      },
    },
  };
}

/** A ChargePointMaxProfile (id 9) of so many amps. */
const chargePointMax = (amps: number) =>
  aProfile({
    chargingProfileId: 9,
    chargingProfilePurpose: 'ChargePointMaxProfile',
    periods: [[0, amps]],
  });

const connector1: ConnectorContext = { connectorId: 1 };
const charging: ConnectorContext = {
  connectorId: 1,
  transaction: { id: 7, startedAt: at(30) },
};

// The platform's day: 0 A in high-tariff hours, 32 A in low-tariff hours.
const tariffDay = aProfile({
  chargingProfileId: 1,
  periods: [
    [0, 0],
    [60, 32],
    [120, 0],
  ],
  duration: 3 * 3600,
});

describe('limitAt', () => {
  it.each([
    ['before startSchedule', -1, undefined],
    ['in the first period', 0, 0],
    ['just before the second period', 59.9, 0],
    ['in the second period', 60, 32],
    ['in the third period', 150, 0],
    ['after startSchedule + duration', 180, undefined],
  ])('a TxDefaultProfile %s sets %s A', (_when, minute, limit) => {
    expect(limitAt([tariffDay], at(minute), connector1)?.limit).toBe(limit);
  });

  it.each<[string, InstalledProfile[], ConnectorContext, number | undefined, number | undefined]>([
    ['no profile: no limit', [], charging, undefined, undefined],
    [
      "the transaction's TxProfile overrides the default",
      [
        tariffDay,
        aProfile({
          chargingProfileId: 2,
          chargingProfilePurpose: 'TxProfile',
          transactionId: 7,
          periods: [[0, 16]],
        }),
      ],
      charging,
      2,
      16,
    ],
    [
      'even at a lower stackLevel',
      [
        aProfile({ chargingProfileId: 1, stackLevel: 5, periods: [[0, 10]] }),
        aProfile({ chargingProfileId: 2, chargingProfilePurpose: 'TxProfile', periods: [[0, 20]] }),
      ],
      charging,
      2,
      20,
    ],
    [
      "another transaction's TxProfile does not apply",
      [
        tariffDay,
        aProfile({
          chargingProfileId: 2,
          chargingProfilePurpose: 'TxProfile',
          transactionId: 8,
          periods: [[0, 16]],
        }),
      ],
      charging,
      1,
      32,
    ],
    [
      'no TxProfile without a transaction',
      [aProfile({ chargingProfileId: 2, chargingProfilePurpose: 'TxProfile', periods: [[0, 16]] })],
      connector1,
      undefined,
      undefined,
    ],
    [
      'the highest stackLevel wins',
      [
        aProfile({ chargingProfileId: 1, stackLevel: 1, periods: [[0, 10]] }),
        aProfile({ chargingProfileId: 2, stackLevel: 3, periods: [[0, 20]] }),
        aProfile({ chargingProfileId: 3, stackLevel: 2, periods: [[0, 30]] }),
      ],
      connector1,
      2,
      20,
    ],
    [
      'a higher stackLevel outside its schedule does not apply',
      [
        aProfile({ chargingProfileId: 1, stackLevel: 1, periods: [[0, 10]] }),
        aProfile({ chargingProfileId: 2, stackLevel: 3, periods: [[0, 20]], duration: 600 }),
      ],
      connector1,
      1,
      10,
    ],
    [
      "the connector's own default before connector 0's at the same level",
      [
        aProfile({ chargingProfileId: 1, periods: [[0, 10]] }),
        aProfile({ chargingProfileId: 2, connectorId: 1, periods: [[0, 20]] }),
      ],
      connector1,
      2,
      20,
    ],
    [
      "another connector's default does not apply",
      [aProfile({ chargingProfileId: 2, connectorId: 2, periods: [[0, 20]] })],
      connector1,
      undefined,
      undefined,
    ],
    [
      'ChargePointMaxProfile caps the default',
      [aProfile({ chargingProfileId: 1, periods: [[0, 32]] }), chargePointMax(16)],
      connector1,
      9,
      16,
    ],
    [
      'ChargePointMaxProfile caps a TxProfile',
      [
        aProfile({ chargingProfileId: 2, chargingProfilePurpose: 'TxProfile', periods: [[0, 32]] }),
        chargePointMax(20),
      ],
      charging,
      9,
      20,
    ],
    [
      'ChargePointMaxProfile above the default leaves it',
      [aProfile({ chargingProfileId: 1, periods: [[0, 10]] }), chargePointMax(16)],
      connector1,
      1,
      10,
    ],
    ['ChargePointMaxProfile alone', [chargePointMax(16)], connector1, 9, 16],
    [
      'before validFrom',
      [aProfile({ validFrom: at(90).toISOString() })],
      connector1,
      undefined,
      undefined,
    ],
    [
      'from validTo',
      [aProfile({ validTo: at(45).toISOString() })],
      connector1,
      undefined,
      undefined,
    ],
    [
      'Relative: from the transaction start (30 min ago)',
      [
        aProfile({
          chargingProfileKind: 'Relative',
          startSchedule: '',
          periods: [
            [0, 10],
            [30, 20],
          ],
        }),
      ],
      charging,
      1,
      20,
    ],
    [
      'Absolute without startSchedule: from the transaction start',
      [
        aProfile({
          startSchedule: '',
          periods: [
            [0, 10],
            [31, 20],
          ],
        }),
      ],
      charging,
      1,
      10,
    ],
    [
      'Recurring daily: the day after, same hour',
      [
        aProfile({
          chargingProfileKind: 'Recurring',
          recurrencyKind: 'Daily',
          startSchedule: at(-24 * 60 - 30).toISOString(),
          duration: 2 * 3600,
          periods: [
            [0, 0],
            [90, 16],
          ],
        }),
      ],
      connector1,
      1,
      16,
    ],
  ])('%s', (_rule, installed, context, profileId, limit) => {
    const result = limitAt(installed, at(60), context);
    expect(result?.chargingProfileId).toBe(profileId);
    expect(result?.limit).toBe(limit);
  });

  it.each([
    ['A', 32, 7.36],
    ['A', 6, 1.38],
    ['W', 3000, 3],
  ] as const)('%s %s → %s kW', (unit, limit, kw) => {
    expect(limitAt([aProfile({ unit, periods: [[0, limit]] })], at(0), connector1)?.kw).toBeCloseTo(
      kw,
      9,
    );
  });
});

describe('limitSegments', () => {
  it('cuts an interval where the schedule changes', () => {
    const segments = limitSegments([tariffDay], at(-30), at(200), connector1);
    expect(segments.map((s) => [s.start.toISOString(), s.limit?.limit])).toEqual([
      [at(-30).toISOString(), undefined],
      [at(0).toISOString(), 0],
      [at(60).toISOString(), 32],
      [at(120).toISOString(), 0],
      [at(180).toISOString(), undefined],
    ]);
    expect(segments.at(-1)?.end).toEqual(at(200));
  });

  it('is one segment where nothing changes', () => {
    expect(limitSegments([tariffDay], at(61), at(62), connector1)).toHaveLength(1);
    expect(limitSegments([], at(0), at(600), connector1)).toEqual([
      { start: at(0), end: at(600), limit: undefined },
    ]);
  });
});

const capabilities: SmartChargingCapabilities = {
  connectors: 2,
  maxStackLevel: 8,
  maxPeriods: 3,
  maxInstalled: 3,
  units: ['A'],
};
const running = new Map([[1, 7]]);

describe('installProfile', () => {
  it.each<[string, number, InstalledProfile, ReadonlyMap<number, number>]>([
    [
      'a TxProfile without a transaction',
      1,
      aProfile({ chargingProfilePurpose: 'TxProfile' }),
      new Map(),
    ],
    ['a TxProfile on connector 0', 0, aProfile({ chargingProfilePurpose: 'TxProfile' }), running],
    [
      'a TxProfile for another transaction',
      1,
      aProfile({ chargingProfilePurpose: 'TxProfile', transactionId: 8 }),
      running,
    ],
    [
      'a ChargePointMaxProfile on a connector',
      1,
      aProfile({ chargingProfilePurpose: 'ChargePointMaxProfile' }),
      running,
    ],
    ['an unknown connector', 3, aProfile(), running],
    ['a stackLevel above ChargeProfileMaxStackLevel', 0, aProfile({ stackLevel: 9 }), running],
    ['a unit the charger does not allow', 0, aProfile({ unit: 'W' }), running],
    [
      'more periods than ChargingScheduleMaxPeriods',
      0,
      aProfile({
        periods: [
          [0, 1],
          [1, 2],
          [2, 3],
          [3, 4],
        ],
      }),
      running,
    ],
    ['a first period after 0', 0, aProfile({ periods: [[5, 32]] }), running],
    [
      'periods out of order',
      0,
      aProfile({
        periods: [
          [0, 32],
          [60, 0],
          [30, 6],
        ],
      }),
      running,
    ],
    ['a negative limit', 0, aProfile({ periods: [[0, -1]] }), running],
    [
      'Recurring without recurrencyKind',
      0,
      aProfile({ chargingProfileKind: 'Recurring' }),
      running,
    ],
  ])('rejects %s', (_case, connectorId, { profile }, transactions) => {
    const before = [aProfile({ chargingProfileId: 99 })];
    const result = installProfile(before, connectorId, profile, capabilities, transactions);
    expect(result).toEqual({ status: 'Rejected', installed: before });
  });

  it('binds a TxProfile to the running transaction', () => {
    const { profile } = aProfile({ chargingProfilePurpose: 'TxProfile' });
    const result = installProfile([], 1, profile, capabilities, running);
    expect(result.status).toBe('Accepted');
    expect(result.installed[0]).toEqual({
      connectorId: 1,
      profile: { ...profile, transactionId: 7 },
    });
  });

  it.each([
    ['the same chargingProfileId', { chargingProfileId: 1, stackLevel: 4 }, [2, 1]],
    ['the same purpose and stackLevel', { chargingProfileId: 3, stackLevel: 0 }, [2, 3]],
    ['nothing (another stackLevel)', { chargingProfileId: 3, stackLevel: 4 }, [1, 2, 3]],
  ])('a new profile replaces %s', (_case, fields, ids) => {
    const installed = [
      aProfile({ chargingProfileId: 1, stackLevel: 0 }),
      aProfile({ chargingProfileId: 2, stackLevel: 1 }),
    ];
    const result = installProfile(installed, 0, aProfile(fields).profile, capabilities, running);
    expect(result.status).toBe('Accepted');
    expect(result.installed.map((e) => e.profile.chargingProfileId)).toEqual(ids);
  });

  it('rejects beyond MaxChargingProfilesInstalled', () => {
    const full = [1, 2, 3].map((id) => aProfile({ chargingProfileId: id, stackLevel: id }));
    const extra = aProfile({ chargingProfileId: 4, stackLevel: 4 }).profile;
    expect(installProfile(full, 0, extra, capabilities, running).status).toBe('Rejected');
    const replacing = aProfile({ chargingProfileId: 3, stackLevel: 5 }).profile;
    expect(installProfile(full, 0, replacing, capabilities, running).status).toBe('Accepted');
  });
});

describe('clearProfiles and endTransaction', () => {
  const installed = [
    aProfile({ chargingProfileId: 1, stackLevel: 0 }),
    aProfile({ chargingProfileId: 2, stackLevel: 1 }),
    aProfile({ chargingProfileId: 3, chargingProfilePurpose: 'TxProfile', transactionId: 7 }),
    aProfile({ chargingProfileId: 4, chargingProfilePurpose: 'ChargePointMaxProfile' }),
  ];
  it.each([
    ['by id', { id: 2 }, 'Accepted', [1, 3, 4]],
    ['by id, the other criteria ignored', { id: 2, connectorId: 1 }, 'Accepted', [1, 3, 4]],
    ['an unknown id', { id: 42 }, 'Unknown', [1, 2, 3, 4]],
    ['by purpose', { chargingProfilePurpose: 'TxDefaultProfile' }, 'Accepted', [3, 4]],
    [
      'by purpose and stackLevel',
      { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1 },
      'Accepted',
      [1, 3, 4],
    ],
    ['by connector', { connectorId: 1 }, 'Accepted', [1, 2, 4]],
    ['matching nothing', { connectorId: 2 }, 'Unknown', [1, 2, 3, 4]],
    ['everything', {}, 'Accepted', []],
  ] as const)('clears %s', (_case, criteria, status, ids) => {
    const result = clearProfiles(installed, criteria);
    expect(result.status).toBe(status);
    expect(result.installed.map((e) => e.profile.chargingProfileId)).toEqual(ids);
  });

  it("drops the connector's TxProfiles when its transaction ends", () => {
    expect(endTransaction(installed, 1).map((e) => e.profile.chargingProfileId)).toEqual([1, 2, 4]);
    expect(endTransaction(installed, 2)).toEqual(installed);
  });
});

describe('compositeSchedule', () => {
  it("gives the limits in force, the charger's most where none is", () => {
    expect(compositeSchedule([tariffDay], at(-30), 4 * 3600, connector1, 'A', 7.4)).toEqual({
      duration: 4 * 3600,
      startSchedule: at(-30).toISOString(),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 32 },
        { startPeriod: 30 * 60, limit: 0 },
        { startPeriod: 90 * 60, limit: 32 },
        { startPeriod: 150 * 60, limit: 0 },
        { startPeriod: 210 * 60, limit: 32 },
      ],
    });
  });

  it('in W', () => {
    expect(
      compositeSchedule([tariffDay], at(60), 3600, connector1, 'W', 7.4).chargingSchedulePeriod,
    ).toEqual([{ startPeriod: 0, limit: 7360 }]);
  });
});
