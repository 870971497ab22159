import type { TransactionTable } from '../ingest/transaction-table';
import { featureColumn } from '../model/feature-matrix';
import { DEFAULT_LIFETIME_VALUE, type LifetimeValueOptions, lifetimeValue } from '../model/lifetime-value';
import { forecastCustomers } from '../model/seasonal-level';
import {
  btydSpendComponent,
  type SpendComponents,
  type SpendMixture,
  spendIntervals,
} from '../model/spend-distribution';
import type { TrainedModel } from '../model/value-model';
import type { CustomerFeatures, FeatureSpec } from './compute-features';
import { purchaseHistory } from './purchase-history';
import { type CustomerSegment, segmentOf } from './segments';

/**
 * What valuecast says about each customer beside the predicted spend (docs/contracts.md, predictions.csv),
 * aligned with the features' rows. A field is absent when the model cannot say it: the interval for the MSE
 * MLP (no distribution), P(alive), expected orders and the lifetime value for a model without a money level
 * (trained before it).
 */
export interface CustomerOutlook {
  /** Expected spend over the horizon (the model's prediction). */
  value: Float32Array;
  pReturn: Float32Array | undefined;
  /** The 80% interval of the spend over the horizon. */
  p10?: Float32Array;
  p90?: Float32Array;
  /** P(alive) at the as-of date (MBG/NBD on the shop's seasonal clock). */
  pAlive?: Float32Array;
  /** Expected purchase days in the horizon (the money level's BG/NBD, cohort quality included). */
  expectedOrders?: Float32Array;
  /** Discounted spend over the lifetime value's months (lib/model/lifetime-value.ts). */
  clv?: Float32Array;
}

/**
 * Every per-customer output for feature rows built with the model's stored spec (`features`) from
 * `table`'s transactions before `asOf`: the same code for the batch of a training, `valuecast score` and
 * the API, so a customer gets the same numbers wherever it is scored at the same as-of date.
 */
export function customerOutlook(
  model: TrainedModel,
  spec: FeatureSpec,
  features: CustomerFeatures,
  table: TransactionTable,
  asOf: number,
  lifetime: LifetimeValueOptions = DEFAULT_LIFETIME_VALUE,
): CustomerOutlook {
  const prediction = model.predict(features);
  const { value, pReturn } = prediction;
  const mixture = model.mixtureOf(prediction, blendOf(model, spec, features));
  const interval = mixture && spendIntervals(mixture);
  const outlook: CustomerOutlook = {
    value,
    pReturn,
    ...(interval && { p10: interval.low, p90: interval.high }),
  };
  if (!spec.seasonal) return outlook;
  const history = purchaseHistory(table, asOf, features.customers);
  const forecast = forecastCustomers(spec.seasonal, history);
  return {
    ...outlook,
    pAlive: Float32Array.from(forecast.pAlive),
    expectedOrders: Float32Array.from(forecast.expectedOrders),
    clv: lifetimeValue(spec.seasonal, history, value, lifetime),
  };
}

/** The distribution behind each row's prediction (TrainedModel.mixtureOf); `undefined` for the MLP. */
export function customerMixture(
  model: TrainedModel,
  spec: FeatureSpec,
  features: CustomerFeatures,
): SpendMixture | undefined {
  return model.mixtureOf(model.predict(features), blendOf(model, spec, features));
}

/** The blend column's distribution when the model averages the network with it, else nothing. */
function blendOf(
  model: TrainedModel,
  spec: FeatureSpec,
  features: CustomerFeatures,
): SpendComponents | undefined {
  const calibration = model.spec.calibration;
  const blends = calibration?.blendColumn !== undefined && calibration.blendWeight > 0;
  return blends ? blendDistribution(features, spec) : undefined;
}

/**
 * The BG/NBD + Gamma-Gamma column's own distribution per row (lib/model/spend-distribution.ts
 * btydSpendComponent), from the features that column was computed from and the spec's fits.
 */
export function blendDistribution(features: CustomerFeatures, spec: FeatureSpec): SpendComponents {
  const x = featureColumn(features, 'frequency');
  const recency = featureColumn(features, 'recency_days');
  const tenure = featureColumn(features, 'tenure_days');
  const orders = featureColumn(features, 'bgnbd_expected_transactions');
  const orderValue = featureColumn(features, 'gg_expected_order_value');
  const rows = features.rows;
  const p = new Float64Array(rows);
  const mu = new Float64Array(rows);
  const sigma = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const component = btydSpendComponent(
      spec.bgNbd,
      spec.gammaGamma,
      {
        x: x[i] as number,
        recency: recency[i] as number,
        tenure: tenure[i] as number,
        expectedOrders: orders[i] as number,
        orderValue: orderValue[i] as number,
      },
      spec.horizonDays,
    );
    p[i] = component.p;
    mu[i] = component.mu;
    sigma[i] = component.sigma;
  }
  return { p, mu, sigma };
}

/**
 * Each customer's segment ({@link segmentOf}) from its outlook, its value decile among the batch (1 = top
 * 10%) and its history in the features; `undefined` without P(alive).
 */
export function outlookSegments(
  outlook: CustomerOutlook,
  deciles: ArrayLike<number>,
  features: CustomerFeatures,
  horizonDays: number,
): CustomerSegment[] | undefined {
  const { pAlive } = outlook;
  if (!pAlive) return undefined;
  const daysSinceFirst = featureColumn(features, 'days_since_first');
  const totalSpend = featureColumn(features, 'total_spend');
  return Array.from(pAlive, (p, i) =>
    segmentOf({
      pAlive: p,
      decile: deciles[i] as number,
      daysSinceFirst: daysSinceFirst[i] as number,
      predicted: outlook.value[i] as number,
      totalSpend: totalSpend[i] as number,
      horizonDays,
    }),
  );
}
