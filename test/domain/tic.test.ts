import { describe, expect, it } from 'vitest';
import type { Subscription, TariffId } from '../../src/domain/tariffs.js';
import {
  TIC_TYPES,
  parseTicDataset,
  readTic,
  ticTypeName,
  type TicReading,
  type TicTypeName,
} from '../../src/domain/tic.js';

/** The spec's checksum: (sum of the bytes covered) & 0x3F + 0x20. */
const checksum = (covered: string) =>
  String.fromCharCode(
    ([...covered].reduce((sum, character) => sum + character.charCodeAt(0), 0) & 0x3f) + 0x20,
  );

/** A historic line as the meter prints it (CPT_02E): LABEL SP VALUE SP CHECKSUM over LABEL SP VALUE. */
const historic = (label: string, value: string) =>
  `${label} ${value} ${checksum(`${label} ${value}`)}`;

/** A standard line (CPT_54E, mode 2): LABEL HT [HORODATE HT] VALUE HT CHECKSUM, HT included. */
const standard = (label: string, value: string, horodate?: string) => {
  const covered =
    horodate === undefined ? `${label}\t${value}\t` : `${label}\t${horodate}\t${value}\t`;
  return covered + checksum(covered);
};

/** A frame on the wire: STX, each group LF … CR, ETX. */
const frame = (lines: readonly string[]) =>
  `\x02${lines.map((line) => `\n${line}\r`).join('')}\x03`;

/** A reading with every field unknown, to override in each expectation. */
const reading = (fields: Partial<TicReading>): TicReading => ({
  ticType: TIC_TYPES.error,
  mode: null,
  meterId: null,
  subscription: null,
  currentTariff: null,
  indexesWh: {},
  totalIndexWh: null,
  intensitySubscribedA: null,
  apparentPowerVa: null,
  intensityA: null,
  ...fields,
});

describe('the test helpers agree with checksums worked out by hand', () => {
  // Real-world lines, checksums summed by hand from the ASCII codes:
  //   OPTARIF HC..      O79 P80 T84 A65 R82 I73 F70 = 533, SP 32, H72 C67 .46 .46 = 231
  //                     533 + 32 + 231 = 796; 796 & 0x3F = 28; 28 + 0x20 = 60 = '<'
  //   PTEC HP..         P80 T84 E69 C67 = 300, SP 32, H72 P80 .46 .46 = 244
  //                     300 + 32 + 244 = 576 = 9 × 64; & 0x3F = 0; 0 + 0x20 = SP (a space!)
  //   ISOUSC 30         I73 S83 O79 U85 S83 C67 = 470, SP 32, '3'51 '0'48 = 99
  //                     601 & 0x3F = 25; 25 + 0x20 = 57 = '9'
  //   BASE 007191269    B66 A65 S83 E69 = 283, SP 32, 9 digits 9 × 48 + (0+0+7+1+9+1+2+6+9) = 467
  //                     782 & 0x3F = 14; 14 + 0x20 = 46 = '.'
  //   NTARF HT 01 HT    N78 T84 A65 R82 F70 = 379, HT 9, '0'48 '1'49, HT 9 = 494
  //                     494 & 0x3F = 46; 46 + 0x20 = 78 = 'N'
  it.each<[string, string]>([
    [historic('OPTARIF', 'HC..'), 'OPTARIF HC.. <'],
    [historic('PTEC', 'HP..'), 'PTEC HP..  '],
    [historic('ISOUSC', '30'), 'ISOUSC 30 9'],
    [historic('BASE', '007191269'), 'BASE 007191269 .'],
    [standard('NTARF', '01'), 'NTARF\t01\tN'],
  ])('%j', (built, byHand) => {
    expect(built).toBe(byHand);
  });
});

describe('parseTicDataset', () => {
  it('reads hard-coded real-world historic lines, including a checksum that is a space', () => {
    const raw =
      '\x02\nADCO 022164996259 N\r\nOPTARIF BASE 0\r\nISOUSC 30 9\r\nBASE 007191269 .\r\n';
    expect(parseTicDataset(`${raw}PTEC HP..  \r\nMOTDETAT 000000 B\r\x03`)).toEqual({
      ADCO: '022164996259',
      OPTARIF: 'BASE',
      ISOUSC: '30',
      BASE: '007191269',
      PTEC: 'HP..',
      MOTDETAT: '000000',
    });
  });

  it('skips a line whose checksum is wrong and keeps the others', () => {
    const text = frame([
      historic('ADCO', '031762120065'),
      historic('OPTARIF', 'HC..'),
      // One bit flipped on the line (…512 → …513), the meter's checksum kept: the sum differs.
      `HCHC 010304513 ${checksum('HCHC 010304512')}`,
      historic('HCHP', '012348789'),
      'PAPP 02870 +',
    ]);
    expect(parseTicDataset(text)).toEqual({
      ADCO: '031762120065',
      OPTARIF: 'HC..',
      HCHP: '012348789',
    });
  });

  it.each<[string, string]>([
    ['a historic line checked the standard way (HT summed)', `ISOUSC 30 ${checksum('ISOUSC 30 ')}`],
    ['a standard line checked the historic way', `NTARF\t01\t${checksum('NTARF\t01')}`],
    ['no separator before the checksum', 'ISOUSC 309'],
    ['a label alone', 'ADCO'],
    ['an empty label', historic('', '30')],
    ['four fields in standard mode', standard('SMAXSN', '05230', 'H260315081512\tX')],
  ])('skips %s', (_, line) => {
    expect(parseTicDataset(frame([line]))).toEqual({});
  });

  it('reads standard lines with and without a horodate, values holding spaces', () => {
    const text = frame([
      standard('ADSC', '041876097467'),
      standard('DATE', '', 'H260315143000'),
      standard('NGTF', 'H PLEINE/CREUSE '),
      standard('LTARF', 'HEURE  CREUSE   '),
      standard('SMAXSN', '05230', 'H260315081512'),
      standard('MSG1', 'PAS DE          MESSAGE         '),
      standard('NJOURF+1', '00'),
    ]);
    expect(parseTicDataset(text)).toEqual({
      ADSC: '041876097467',
      DATE: '',
      NGTF: 'H PLEINE/CREUSE ',
      LTARF: 'HEURE  CREUSE   ',
      SMAXSN: '05230',
      MSG1: 'PAS DE          MESSAGE         ',
      'NJOURF+1': '00',
    });
  });

  it('reads across frames and an interrupted one (EOT), the later value of a label winning', () => {
    const text =
      frame([historic('ADCO', '031762120065'), historic('PAPP', '01200')]) +
      `\x02\n${historic('PAPP', '01350')}\r\x04` +
      frame([historic('PAPP', '01410')]);
    expect(parseTicDataset(text)).toEqual({ ADCO: '031762120065', PAPP: '01410' });
  });

  it('keeps a label named like an Object.prototype property as a plain entry', () => {
    const labels = parseTicDataset(frame([historic('__proto__', '1')]));
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['__proto__']);
  });

  it.each<[string, string]>([
    ['an empty string', ''],
    ['control characters only', '\x02\n\r\n\r\x03'],
    ['noise', 'Ã¿Ã¾\x00\x7f garbage'],
  ])('returns nothing for %s', (_, text) => {
    expect(parseTicDataset(text)).toEqual({});
  });
});

describe('ticTypeName', () => {
  it.each<[number, TicTypeName | undefined]>([
    [0, 'error'],
    [1, 'idle'],
    [2, 'greenCharging'],
    [3, 'standardMono'],
    [4, 'standardTri'],
    [5, 'historicMono'],
    [6, 'historicTri'],
    [7, undefined],
    [-1, undefined],
  ])('%i → %s', (code, name) => {
    expect(ticTypeName(code)).toBe(name);
  });
});

describe('readTic: OPTARIF and PTEC as they come on the wire', () => {
  it.each<[string, Subscription | null]>([
    ['BASE', 'BASE'],
    ['HC..', 'HCHP'],
    ['EJP.', 'EJP'],
    ['BBR(', 'TEMPO'],
    ['BBRx', 'TEMPO'],
    ['BBR0', 'TEMPO'],
    ['HC', 'HCHP'],
    ['EJP', 'EJP'],
    [' HC.. ', 'HCHP'],
    ['ABC.', null],
    ['', null],
  ])('OPTARIF %j → %s', (optarif, subscription) => {
    expect(readTic({ ADCO: '031762120065', OPTARIF: optarif }).subscription).toBe(subscription);
  });

  it.each<[string, TariffId | null]>([
    ['TH..', 'th'],
    ['HC..', 'hc'],
    ['HP..', 'hp'],
    ['HN..', 'hn'],
    ['PM..', 'pm'],
    ['HCJB', 'hcjb'],
    ['HPJB', 'hpjb'],
    ['HCJW', 'hcjw'],
    ['HPJW', 'hpjw'],
    ['HCJR', 'hcjr'],
    ['HPJR', 'hpjr'],
    ['HC', 'hc'],
    ['XX..', null],
    ['....', null],
  ])('PTEC %j → %s', (ptec, tariff) => {
    expect(readTic({ ADCO: '031762120065', PTEC: ptec }).currentTariff).toBe(tariff);
  });
});

describe('readTic: full frames as the meters print them', () => {
  const historicFrames: [string, [string, string][], TicReading][] = [
    [
      'BASE, single phase',
      [
        ['ADCO', '022164996259'],
        ['OPTARIF', 'BASE'],
        ['ISOUSC', '30'],
        ['BASE', '007191269'],
        ['PTEC', 'TH..'],
        ['IINST', '001'],
        ['IMAX', '090'],
        ['PAPP', '00430'],
        ['HHPHC', 'A'],
        ['MOTDETAT', '000000'],
      ],
      reading({
        ticType: TIC_TYPES.historicMono,
        mode: 'historic',
        meterId: '022164996259',
        subscription: 'BASE',
        currentTariff: 'th',
        indexesWh: { th: 7_191_269 },
        totalIndexWh: 7_191_269,
        intensitySubscribedA: 30,
        apparentPowerVa: 430,
        intensityA: 1,
      }),
    ],
    [
      'HCHP, single phase, in HP',
      [
        ['ADCO', '031762120065'],
        ['OPTARIF', 'HC..'],
        ['ISOUSC', '45'],
        ['HCHC', '010304512'],
        ['HCHP', '012348789'],
        ['PTEC', 'HP..'],
        ['IINST', '012'],
        ['IMAX', '090'],
        ['PAPP', '02870'],
        ['HHPHC', 'A'],
        ['MOTDETAT', '000000'],
      ],
      reading({
        ticType: TIC_TYPES.historicMono,
        mode: 'historic',
        meterId: '031762120065',
        subscription: 'HCHP',
        currentTariff: 'hp',
        indexesWh: { hc: 10_304_512, hp: 12_348_789 },
        totalIndexWh: 22_653_301,
        intensitySubscribedA: 45,
        apparentPowerVa: 2870,
        intensityA: 12,
      }),
    ],
    [
      'EJP, three phases, on a peak day (PEJP notice sent)',
      [
        ['ADCO', '041529378412'],
        ['OPTARIF', 'EJP.'],
        ['ISOUSC', '20'],
        ['EJPHN', '023456789'],
        ['EJPHPM', '001234567'],
        ['PEJP', '30'],
        ['PTEC', 'PM..'],
        ['IINST1', '012'],
        ['IINST2', '018'],
        ['IINST3', '007'],
        ['IMAX1', '060'],
        ['IMAX2', '060'],
        ['IMAX3', '060'],
        ['PMAX', '09750'],
        ['PAPP', '08210'],
        ['HHPHC', 'Y'],
        ['MOTDETAT', '000000'],
        ['PPOT', '00'],
      ],
      reading({
        ticType: TIC_TYPES.historicTri,
        mode: 'historic',
        meterId: '041529378412',
        subscription: 'EJP',
        currentTariff: 'pm',
        indexesWh: { hn: 23_456_789, pm: 1_234_567 },
        totalIndexWh: 24_691_356,
        intensitySubscribedA: 20,
        apparentPowerVa: 8210,
        intensityA: 18,
      }),
    ],
    [
      'TEMPO, single phase, white day peak hours, red tomorrow',
      [
        ['ADCO', '021861348230'],
        ['OPTARIF', 'BBR('],
        ['ISOUSC', '45'],
        ['BBRHCJB', '004501234'],
        ['BBRHPJB', '006712345'],
        ['BBRHCJW', '000812345'],
        ['BBRHPJW', '001123456'],
        ['BBRHCJR', '000234567'],
        ['BBRHPJR', '000345678'],
        ['PTEC', 'HPJW'],
        ['DEMAIN', 'ROUG'],
        ['IINST', '025'],
        ['IMAX', '090'],
        ['PAPP', '05750'],
        ['HHPHC', 'Y'],
        ['MOTDETAT', '000000'],
      ],
      reading({
        ticType: TIC_TYPES.historicMono,
        mode: 'historic',
        meterId: '021861348230',
        subscription: 'TEMPO',
        currentTariff: 'hpjw',
        indexesWh: {
          hcjb: 4_501_234,
          hpjb: 6_712_345,
          hcjw: 812_345,
          hpjw: 1_123_456,
          hcjr: 234_567,
          hpjr: 345_678,
        },
        // 4 501 234 + 6 712 345 + 812 345 + 1 123 456 + 234 567 + 345 678
        totalIndexWh: 13_729_625,
        intensitySubscribedA: 45,
        apparentPowerVa: 5750,
        intensityA: 25,
      }),
    ],
  ];

  const emptyStandardIndexes = {
    tariff3: 0,
    tariff4: 0,
    tariff5: 0,
    tariff6: 0,
    tariff7: 0,
    tariff8: 0,
    tariff9: 0,
    tariff10: 0,
  };
  const unusedSupplierIndexes = ['03', '04', '05', '06', '07', '08', '09', '10'].map(
    (n): [string, string] => [`EASF${n}`, '000000000'],
  );
  const dayProfile =
    '00008001 0630C002 2230C001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE';

  // [label, value] or [label, value, horodate]
  const standardFrames: [string, [string, string, string?][], TicReading][] = [
    [
      'standard, single phase, in tariff 1 (HC)',
      [
        ['ADSC', '041876097467'],
        ['VTIC', '02'],
        ['DATE', '', 'H260315143000'],
        ['NGTF', 'H PLEINE/CREUSE '],
        ['LTARF', 'HEURE  CREUSE   '],
        ['EAST', '022653301'],
        ['EASF01', '010304512'],
        ['EASF02', '012348789'],
        ...unusedSupplierIndexes,
        ['EASD01', '010304512'],
        ['EASD02', '012348789'],
        ['EASD03', '000000000'],
        ['EASD04', '000000000'],
        ['IRMS1', '012'],
        ['URMS1', '231'],
        ['PREF', '06'],
        ['PCOUP', '06'],
        ['SINSTS', '02870'],
        ['SMAXSN', '05230', 'H260315081512'],
        ['SMAXSN-1', '04810', 'H260314190504'],
        ['CCASN', '02310', 'H260315140000'],
        ['UMOY1', '230', 'H260315142000'],
        ['STGE', '003A0001'],
        ['MSG1', 'PAS DE          MESSAGE         '],
        ['PRM', '21436587091234'],
        ['RELAIS', '000'],
        ['NTARF', '01'],
        ['NJOURF', '00'],
        ['NJOURF+1', '00'],
        ['PJOURF+1', dayProfile],
      ],
      reading({
        ticType: TIC_TYPES.standardMono,
        mode: 'standard',
        meterId: '041876097467',
        subscription: 'STANDARD',
        currentTariff: 'tariff1',
        indexesWh: { tariff1: 10_304_512, tariff2: 12_348_789, ...emptyStandardIndexes },
        totalIndexWh: 22_653_301,
        intensitySubscribedA: 30,
        apparentPowerVa: 2870,
        intensityA: 12,
      }),
    ],
    [
      'standard, three phases, in tariff 2 (HP)',
      [
        ['ADSC', '042176543210'],
        ['VTIC', '02'],
        ['DATE', '', 'E260612101500'],
        ['NGTF', 'H PLEINE/CREUSE '],
        ['LTARF', ' HEURE  PLEINE  '],
        ['EAST', '031234567'],
        ['EASF01', '012000000'],
        ['EASF02', '019234567'],
        ...unusedSupplierIndexes,
        ['IRMS1', '010'],
        ['IRMS2', '024'],
        ['IRMS3', '006'],
        ['URMS1', '232'],
        ['URMS2', '229'],
        ['URMS3', '231'],
        ['PREF', '12'],
        ['PCOUP', '12'],
        ['SINSTS', '09120'],
        ['SINSTS1', '02310'],
        ['SINSTS2', '05490'],
        ['SINSTS3', '01320'],
        ['SMAXSN1', '03120', 'E260612073011'],
        ['SMAXSN2', '06020', 'E260612094502'],
        ['SMAXSN3', '01980', 'E260612002240'],
        ['STGE', '013A4401'],
        ['NTARF', '02'],
      ],
      reading({
        ticType: TIC_TYPES.standardTri,
        mode: 'standard',
        meterId: '042176543210',
        subscription: 'STANDARD',
        currentTariff: 'tariff2',
        indexesWh: { tariff1: 12_000_000, tariff2: 19_234_567, ...emptyStandardIndexes },
        totalIndexWh: 31_234_567,
        // The guide's rule, 5 A per kVA.
        intensitySubscribedA: 60,
        apparentPowerVa: 9120,
        intensityA: 24,
      }),
    ],
  ];

  it.each(historicFrames)('historic %s', (_, lines, expected) => {
    const text = frame(lines.map(([label, value]) => historic(label, value)));
    const labels = parseTicDataset(text);
    expect(Object.keys(labels)).toHaveLength(lines.length);
    expect(readTic(labels)).toEqual(expected);
  });

  it.each(standardFrames)('%s', (_, lines, expected) => {
    const text = frame(lines.map(([label, value, horodate]) => standard(label, value, horodate)));
    const labels = parseTicDataset(text);
    expect(Object.keys(labels)).toHaveLength(lines.length);
    expect(readTic(labels)).toEqual(expected);
  });

  it('reads labels sent already split, trimmed of their dots', () => {
    expect(
      readTic({ ADCO: '031762120065', OPTARIF: 'HC', PTEC: 'HC', HCHC: '1000', HCHP: '2000' }),
    ).toEqual(
      reading({
        ticType: TIC_TYPES.historicMono,
        mode: 'historic',
        meterId: '031762120065',
        subscription: 'HCHP',
        currentTariff: 'hc',
        indexesWh: { hc: 1000, hp: 2000 },
        totalIndexWh: 3000,
      }),
    );
  });

  it('loses only the corrupted line of a frame: its field is unknown, the rest is read', () => {
    const text = frame([
      historic('ADCO', '031762120065'),
      historic('OPTARIF', 'HC..'),
      historic('HCHC', '010304512'),
      historic('HCHP', '012348789'),
      historic('PTEC', 'HC..'),
      historic('IINST', '004'),
      `PAPP 00950 ${checksum('PAPP 00960')}`,
    ]);
    expect(readTic(parseTicDataset(text))).toMatchObject({
      ticType: TIC_TYPES.historicMono,
      currentTariff: 'hc',
      totalIndexWh: 22_653_301,
      intensityA: 4,
      apparentPowerVa: null,
    });
  });

  it.each<[string, Record<string, string>, Partial<TicReading>]>([
    [
      'a standard frame without EAST: the supplier indexes are summed',
      { ADSC: '041876097467', EASF01: '000001000', EASF02: '000000500', NTARF: '02' },
      { totalIndexWh: 1500, currentTariff: 'tariff2', ticType: TIC_TYPES.standardMono },
    ],
    [
      'NTARF out of 1..10',
      { ADSC: '041876097467', EAST: '000001000', NTARF: '11' },
      { currentTariff: null, subscription: 'STANDARD' },
    ],
    [
      'an OPTARIF lost to a bad checksum: every historic index counts',
      { ADCO: '031762120065', HCHC: '000001000', HCHP: '000002000' },
      { subscription: null, totalIndexWh: 3000 },
    ],
    [
      'a garbled index',
      { ADCO: '031762120065', OPTARIF: 'BASE', BASE: '00A191269' },
      { indexesWh: {}, totalIndexWh: null, ticType: TIC_TYPES.idle },
    ],
    [
      'indexes without a serial: still usable',
      { HCHC: '000001000', HCHP: '000002000', OPTARIF: 'HC..' },
      { mode: 'historic', meterId: null, totalIndexWh: 3000, ticType: TIC_TYPES.historicMono },
    ],
  ])('reads %s', (_, labels, expected) => {
    expect(readTic(labels)).toMatchObject(expected);
  });
});

describe('readTic: idle and error', () => {
  it.each<[string, string, TicReading]>([
    [
      'a historic meter sending its serial only',
      frame([historic('ADCO', '031762120065')]),
      reading({ ticType: TIC_TYPES.idle, mode: 'historic', meterId: '031762120065' }),
    ],
    [
      'a Linky in standard mode sending its serial only',
      frame([standard('ADSC', '041876097467')]),
      reading({
        ticType: TIC_TYPES.idle,
        mode: 'standard',
        meterId: '041876097467',
        subscription: 'STANDARD',
      }),
    ],
    [
      'a historic meter sending its serial and contract but no index',
      frame([historic('ADCO', '031762120065'), historic('OPTARIF', 'HC..')]),
      reading({
        ticType: TIC_TYPES.idle,
        mode: 'historic',
        meterId: '031762120065',
        subscription: 'HCHP',
      }),
    ],
  ])('idle: %s', (_, text, expected) => {
    expect(readTic(parseTicDataset(text))).toEqual(expected);
  });

  it('reads a three-phase short frame in overload (no index) as historicTri, not idle', () => {
    const text = frame([
      historic('ADIR1', '051'),
      historic('ADCO', '041529378412'),
      historic('IINST1', '051'),
      historic('IINST2', '020'),
      historic('IINST3', '018'),
    ]);
    expect(readTic(parseTicDataset(text))).toEqual(
      reading({
        ticType: TIC_TYPES.historicTri,
        mode: 'historic',
        meterId: '041529378412',
        intensityA: 51,
      }),
    );
  });

  it.each<[string, string]>([
    ['an empty signal', ''],
    ['noise', 'Ã¿Ã¾\x00\x7f garbage'],
    [
      'a frame whose every checksum is wrong',
      frame(['ADCO 031762120065 !', 'HCHC 010304512 !', 'HCHP 012348789 !']),
    ],
    [
      'a frame without serial nor index',
      frame([historic('PTEC', 'HC..'), historic('MOTDETAT', '000000')]),
    ],
    ['a serial left empty', frame([historic('ADCO', '            ')])],
  ])('error: %s', (_, text) => {
    expect(readTic(parseTicDataset(text))).toEqual(reading({ ticType: TIC_TYPES.error }));
  });

  it('gives each caller its own error reading', () => {
    const first = readTic({});
    first.indexesWh.th = 1;
    expect(readTic({}).indexesWh).toEqual({});
  });
});
