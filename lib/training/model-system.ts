import type { BacktestSystem } from '../evaluate/backtest';
import type { FitOptions } from '../model/fit';
import type { EpochLog } from '../model/value-model';
import { fitValueModel, type ValueModelFit, type ValueModelOptions } from './fit-value-model';

export interface ModelSystemOptions {
  /** Row name in the backtest; default `model`. */
  name?: string;
  /** Overrides of the fit options (architecture, seed, epochs, members, …). */
  fit?: Partial<FitOptions>;
  calibrate?: ValueModelOptions['calibrate'];
  maxWindows?: ValueModelOptions['maxWindows'];
  onEpoch?: (log: EpochLog) => void;
  onProgress?: (message: string) => void;
  /** Called with each fit before its model is disposed (the benchmark reads the shop forecast from it). */
  onFit?: (fit: ValueModelFit) => void;
}

/**
 * The product's model as a backtest system: {@link fitValueModel} on the visible history at the cutoff
 * (exactly what training does), then a prediction for every scored customer, in the backtest's order.
 */
export function modelSystem(options: ModelSystemOptions = {}): BacktestSystem {
  return {
    name: options.name ?? 'model',
    predict: async ({ visible, asOf, horizonDays, scoring, features }) => {
      const fit = await fitValueModel(visible, asOf, {
        horizonDays,
        features,
        fit: options.fit,
        calibrate: options.calibrate,
        maxWindows: options.maxWindows,
        onEpoch: options.onEpoch,
        onProgress: options.onProgress,
      });
      try {
        options.onFit?.(fit);
        const { value } = fit.model.predict(fit.scoring);
        return alignByCustomer(fit.scoring.customers, value, scoring.customers);
      } finally {
        fit.model.dispose();
      }
    },
  };
}

/** A customer the system was asked to score but did not predict: the two feature builds disagree. */
export class MissingPredictionError extends Error {
  constructor(customer: number) {
    super(`no prediction for customer index ${customer}: the fit scored a different population`);
    this.name = 'MissingPredictionError';
  }
}

/**
 * Reorder `values` (one per customer of `from`) to follow `to`.
 * @throws {@link MissingPredictionError} when a customer of `to` is not in `from`
 */
export function alignByCustomer(from: Int32Array, values: Float32Array, to: Int32Array): Float32Array {
  const same = from.length === to.length && from.every((c, i) => c === to[i]);
  if (same) return values;
  const at = new Map<number, number>();
  from.forEach((c, i) => {
    at.set(c, i);
  });
  return Float32Array.from(to, (c) => {
    const i = at.get(c);
    if (i === undefined) throw new MissingPredictionError(c);
    return values[i] as number;
  });
}
