/**
 * Figures the benches measure, for `npm run bench` (bench/run.ts) to gather into its report.
 * A bench calls `recordFigure` for each figure it prints; when WITTY_BENCH_FIGURES names a file,
 * the figure is appended to it as one JSON line, otherwise nothing is written.
 */
import fs from 'node:fs';

/** One measured figure, its baseline from the same run, and the target it is held to. */
export interface Figure {
  /** The bench that measured it, e.g. `api`, `ingest-ceiling`. */
  bench: string;
  /** A stable key of the figure within the report, e.g. `api.station-read`. */
  id: string;
  /** What it is, for a reader: `authenticated GET …/charging-stations/{id}`. */
  label: string;
  value: number;
  /** `req/s`, `samples/s`, `KiB`, `ms`, `s`, `MB`… */
  unit: string;
  /** The same measure of the baseline, in the same run, when there is one. */
  baseline?: { label: string; value: number };
  /** value / baseline.value, or another ratio the target is stated as. */
  ratio?: number;
  /** The target: the figure (`value`) or `ratio` must be at least / at most `limit`. */
  target?: { of: 'value' | 'ratio'; atLeast?: number; atMost?: number; text: string };
  /** Conditions of the measure: database, stations, seconds… */
  conditions?: Record<string, string | number>;
  /** What a reader should know: the cause of a gap, the profile behind it. */
  note?: string;
}

/** Whether a figure meets its target (undefined when it has none). */
export function meetsTarget(figure: Figure): boolean | undefined {
  const { target } = figure;
  if (!target) return undefined;
  const measured = target.of === 'ratio' ? figure.ratio : figure.value;
  if (measured === undefined || !Number.isFinite(measured)) return false;
  if (target.atLeast !== undefined && measured < target.atLeast) return false;
  if (target.atMost !== undefined && measured > target.atMost) return false;
  return true;
}

/** Records a figure for the report (a no-op outside `npm run bench`). */
export function recordFigure(figure: Figure): void {
  const file = process.env.WITTY_BENCH_FIGURES;
  if (!file) return;
  fs.appendFileSync(file, `${JSON.stringify(figure)}\n`);
}
