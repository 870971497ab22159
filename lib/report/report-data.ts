import type { BacktestResult } from '../evaluate/backtest';
import type { FeatureImportance } from '../evaluate/feature-importance';
import type { Metrics } from '../evaluate/metrics';
import type { RepeatTracking } from '../features/repeat-tracking';
import type { SegmentSummary } from '../features/segments';
import { type PAliveMatrix, pAliveMatrix, type ShopForecast } from '../model/seasonal-level';
import type { IntervalCoverage } from '../model/spend-distribution';
import type { DataQualitySummary } from '../registry/data-quality';
import { isCustomerTableMeta, type ModelMeta, type TransactionModelMeta } from '../registry/model-meta';
import { DAY_MS } from '../time';
import {
  type DecileCalibration,
  decileCalibration,
  descendingOrder,
  type GainCurve,
  gainCurve,
  type Histogram,
  valueHistogram,
} from './report-summaries';

/** One row of the metrics table: a system evaluated on the window, or the champion it is compared with. */
export interface SystemRow {
  name: string;
  metrics: Partial<Metrics>;
  seconds?: number;
  /** A note shown under the table, e.g. why the champion's metrics are the recorded ones. */
  note?: string;
}

export interface TopCustomer {
  id: string;
  predicted: number;
  pReturn?: number;
  /** Backtests know what the customer really spent. */
  actual?: number;
}

/**
 * How the systems of a report were judged: out of time (learnt before `from`, judged on spend in
 * [from, to)), or on a seeded random holdout of a customer table's rows (a customer table has no time axis).
 */
export type EvaluationBasis =
  | { method: 'out-of-time'; from: string; to: string }
  | { method: 'random-holdout'; share: number };

/** What the model predicts: spend over a horizon, or a customer table's label column (its period is the table's). */
export type PredictionTarget = { horizonDays: number } | { label: string };

/** Everything a report page shows, as plain JSON: built from a training or a backtest, rendered by render-report.ts. */
export interface ReportData {
  kind: 'training' | 'backtest';
  dataset?: string;
  version?: string;
  generatedAt: string;
  /** ISO instant, exclusive: predictions are as of it. */
  asOf: string;
  target: PredictionTarget;
  promotion?: ModelMeta['promotion'];
  /** What a person should know before relying on the model (meta.json `flags`). */
  flags?: ModelMeta['flags'];
  /** Why a training's model has no out-of-time evaluation (the history held less than two horizons). */
  notEvaluated?: string;
  /** Absent for a model trained without an out-of-time evaluation (`notEvaluated` says why). */
  evaluation?: {
    basis: EvaluationBasis;
    customers: number;
    returningShare: number;
    /** The system the calibration, distribution and top customers are about. */
    focus: string;
    systems: SystemRow[];
    champion?: SystemRow;
    gain: { perfect: GainCurve; systems: { name: string; curve: GainCurve }[] };
    calibration: DecileCalibration;
  };
  /** Predicted value of every scored customer (training: the new model as of `asOf`). */
  distribution: { customers: number; histogram: Histogram; mean: number; total: number };
  /** The predicted total's 80% interval and where its level came from (transaction models). */
  forecast?: ShopForecast;
  /** The per-customer outlook's figures (transaction models' training reports; absent before they existed). */
  outlook?: OutlookFigures;
  topCustomers: TopCustomer[];
  featureImportance?: FeatureImportance;
  dataQuality?: DataQualitySummary;
  /** Label → value facts of how the model was trained (training reports). */
  details: [string, string][];
}

/** What the report shows of the per-customer outlook (README "Per-customer outlook"). */
export interface OutlookFigures {
  /** Weekly repeat purchase days of the validation window, actual and forecast. */
  tracking?: RepeatTracking;
  /** The evaluated model's 80% intervals against the validation window's spend. */
  interval?: IntervalCoverage;
  /** Customers and money per segment of the batch scores. */
  segments?: SegmentSummary[];
  /** P(alive) by frequency and recency, from the model's money level. */
  pAlive?: PAliveMatrix;
}

/** Repeat purchase days shown as the P(alive) matrix's columns. */
const MATRIX_FREQUENCIES = [0, 1, 2, 3, 4, 5, 7, 10, 15, 20];

/** The outlook figures of a transaction model's meta.json. */
function outlookFigures(meta: TransactionModelMeta): OutlookFigures | undefined {
  const { tracking, interval } = meta.evaluation ?? {};
  const seasonal = meta.featureSpec.seasonal;
  const figures: OutlookFigures = {
    ...(tracking && { tracking }),
    ...(interval && { interval }),
    ...(meta.segments && { segments: meta.segments }),
    ...(seasonal && { pAlive: pAliveMatrix(seasonal, MATRIX_FREQUENCIES) }),
  };
  return Object.keys(figures).length > 0 ? figures : undefined;
}

/** Per-customer arrays of an out-of-time evaluation: truth and each system's prediction, in the same order. */
export interface EvaluationArrays {
  actual: Float32Array;
  systems: { name: string; predictions: Float32Array }[];
}

/** Every customer's prediction from a model (the batch scores of a training, or a backtest's focus system). */
export interface ScoredCustomers {
  customerIds: readonly string[];
  value: Float32Array;
  pReturn?: Float32Array;
  actual?: Float32Array;
}

const TOP_CUSTOMERS = 10;
/** The system a report is about when it ran: the product's model. */
const FOCUS_SYSTEM = 'model';

/** The charts' summaries of per-customer arrays: computed once, whatever number of times the page is rendered. */
export interface ReportSummaries {
  /** Absent when the model was not evaluated. */
  charts?: Pick<NonNullable<ReportData['evaluation']>, 'focus' | 'gain' | 'calibration'>;
  scored: Pick<ReportData, 'distribution' | 'topCustomers'>;
}

/**
 * Summarize the validation window's arrays (absent for a model without an out-of-time evaluation) and every
 * customer's prediction for the charts and tables.
 */
export function reportSummaries(
  evaluation: EvaluationArrays | undefined,
  scored: ScoredCustomers,
): ReportSummaries {
  return { charts: evaluation && evaluationCharts(evaluation), scored: scoredSummaries(scored) };
}

/** The report of a trained model version, from its meta.json and the summaries of its evaluation and scores. */
export function trainingReportData(
  meta: ModelMeta,
  summaries: ReportSummaries,
  generatedAt: string,
): ReportData {
  const { evaluation } = meta;
  const champion = evaluation?.champion;
  const { training } = meta;
  const tableModel = isCustomerTableMeta(meta);
  return {
    kind: 'training',
    dataset: meta.dataset,
    version: meta.version,
    generatedAt,
    asOf: meta.asOf,
    target: tableModel ? { label: meta.label.column } : { horizonDays: meta.horizonDays },
    promotion: meta.promotion,
    flags: meta.flags,
    notEvaluated: tableModel ? undefined : meta.notEvaluated?.reason,
    evaluation: evaluation &&
      summaries.charts && {
        ...summaries.charts,
        basis: tableModel
          ? { method: 'random-holdout', share: meta.evaluation.holdoutShare }
          : { method: 'out-of-time', ...(evaluation as NonNullable<typeof meta.evaluation>).window },
        customers: evaluation.customers,
        returningShare: evaluation.returningShare,
        systems: Object.entries(evaluation.systems).map(([name, { seconds, ...metrics }]) => ({
          name,
          metrics,
          seconds,
        })),
        champion: champion && {
          name: `champion ${champion.version}`,
          metrics: champion.metrics,
          note:
            champion.basis === 'recorded'
              ? `The champion's metrics recorded when it was promoted, not re-scored here: ${champion.note ?? 'no reason recorded'}.`
              : 'The champion re-scored on this validation window.',
        },
      },
    ...summaries.scored,
    forecast: tableModel ? undefined : meta.forecast,
    outlook: tableModel ? undefined : outlookFigures(meta),
    featureImportance: meta.featureImportance,
    dataQuality: meta.dataQuality,
    details: [
      ['Architecture', meta.architecture],
      ['Backend', meta.backend],
      tableModel
        ? [
            'Customers (label clipped at 0)',
            `${count(meta.rows.customers)} (${count(meta.label.clippedAtZero)})`,
          ]
        : ['Transactions / customers', `${count(meta.rows.transactions)} / ${count(meta.rows.customers)}`],
      ['Training rows (held out)', `${count(training.trainRows)} (${count(training.validationRows)})`],
      ['Epochs (best)', `${training.epochs} (${training.bestEpoch})`],
      ...(meta.valueCalibration
        ? [['Money calibration', describeCalibration(meta.valueCalibration)] as [string, string]]
        : []),
      tableModel
        ? ['Columns read', meta.encoding.columns.map((c) => `${c.name} (${c.kind})`).join(', ')]
        : ['Labelled windows as of', meta.trainWindows.map((t) => t.slice(0, 10)).join(', ')],
      [
        'Seconds per phase',
        Object.entries(meta.durations)
          .map(([k, s]) => `${k} ${s.toFixed(1)}`)
          .join(', '),
      ],
      ['Data fingerprint', meta.dataFingerprint],
    ],
  };
}

/** One line on how the network's output became money (meta.json `valueCalibration`). */
export function describeCalibration(calibration: NonNullable<ModelMeta['valueCalibration']>): string {
  const { knots, blendColumn, blendWeight, levelFactor } = calibration;
  const map = `a monotone map through ${knots} knot${knots === 1 ? '' : 's'} fitted on held-out customers`;
  const blend =
    !blendColumn || blendWeight === 0
      ? ''
      : blendWeight === 1
        ? `; the network ranked the held-out customers clearly worse than ${blendColumn}, so predictions are ${blendColumn} alone`
        : `, averaged with ${blendColumn} (weight ${blendWeight})`;
  const level =
    levelFactor === undefined
      ? ''
      : `; scaled ×${levelFactor.toFixed(3)} to the money level of the customer base (seasonal BG/NBD)`;
  return `${map}${blend}${level}`;
}

/** The report of `valuecast backtest`: every system on the truth after the cutoff. */
export function backtestReportData(
  result: BacktestResult,
  dataQuality: DataQualitySummary | undefined,
  generatedAt: string,
): ReportData {
  const from = Date.parse(`${result.cutoff}T00:00:00Z`) + DAY_MS;
  const charts = evaluationCharts({ actual: result.actual, systems: result.systems });
  const focus = result.systems.find((s) => s.name === charts.focus) as BacktestResult['systems'][number];
  return {
    kind: 'backtest',
    generatedAt,
    asOf: new Date(from).toISOString(),
    target: { horizonDays: result.horizonDays },
    evaluation: {
      ...charts,
      basis: {
        method: 'out-of-time',
        from: new Date(from).toISOString(),
        to: new Date(from + result.horizonDays * DAY_MS).toISOString(),
      },
      customers: result.customers,
      returningShare: result.returningShare,
      systems: result.systems.map(({ name, metrics, seconds }) => ({ name, metrics, seconds })),
    },
    ...scoredSummaries({ customerIds: result.customerIds, value: focus.predictions, actual: result.actual }),
    dataQuality,
    details: [],
  };
}

function evaluationCharts({ actual, systems }: EvaluationArrays): NonNullable<ReportSummaries['charts']> {
  const focus = systems.find((s) => s.name === FOCUS_SYSTEM) ?? systems[0];
  if (!focus) throw new RangeError('a report needs at least one evaluated system');
  const focusOrder = descendingOrder(focus.predictions);
  return {
    focus: focus.name,
    gain: {
      perfect: gainCurve(actual, actual),
      systems: systems.map((s) => ({
        name: s.name,
        curve: gainCurve(actual, s.predictions, s === focus ? focusOrder : undefined),
      })),
    },
    calibration: decileCalibration(actual, focus.predictions, focusOrder),
  };
}

function scoredSummaries(scored: ScoredCustomers): ReportSummaries['scored'] {
  const { value } = scored;
  let total = 0;
  for (const v of value) total += v;
  const top = topIndices(value, TOP_CUSTOMERS);
  return {
    distribution: {
      customers: value.length,
      histogram: valueHistogram(value),
      mean: value.length > 0 ? total / value.length : 0,
      total,
    },
    topCustomers: top.map((i) => ({
      id: scored.customerIds[i] as string,
      predicted: value[i] as number,
      ...(scored.pReturn ? { pReturn: scored.pReturn[i] as number } : {}),
      ...(scored.actual ? { actual: scored.actual[i] as number } : {}),
    })),
  };
}

/** Indices of the `k` largest values, largest first, ties in input order: one pass, no sort of all of them. */
function topIndices(values: Float32Array, k: number): number[] {
  const top: number[] = [];
  values.forEach((v, i) => {
    if (top.length === k && v <= (values[top[k - 1] as number] as number)) return;
    let at = top.length;
    while (at > 0 && v > (values[top[at - 1] as number] as number)) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  });
  return top;
}

function count(n: number): string {
  return n.toLocaleString('en');
}
