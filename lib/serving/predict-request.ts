import { z } from 'zod';
import { computeFeatures } from '../features/compute-features';
import { TransactionTableBuilder } from '../ingest/transaction-table';
import { ApiError } from './api-error';
import { decileOf } from './batch-scores';
import type { ServingModel } from './serving-model';

/** Size limits of one `POST /predict` request. */
export interface PredictLimits {
  maxCustomers: number;
  maxTransactionsPerCustomer: number;
}

/** `YYYY-MM-DD` (UTC midnight) or an ISO instant with a zone (`Z` or `±hh:mm`). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO date or instant, validated and parsed once into epoch milliseconds. */
const isoTime = z
  .string()
  .regex(ISO_INSTANT, 'is not an ISO date (YYYY-MM-DD) or instant with a zone')
  .transform((text, context) => {
    const time = Date.parse(text);
    if (Number.isNaN(time)) context.addIssue({ code: 'custom', message: 'is not a real date' });
    return time;
  });

export const datasetName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'is not a dataset name (letters, digits, . _ -)');

const label = z.string().min(1).max(200);

const transactionSchema = z.strictObject({
  date: isoTime,
  amount: z.number().refine(Number.isFinite, 'is not a finite number'),
  orderId: label.optional(),
  /** Categorical columns the model was trained with (e.g. country, channel), by column name. */
  categories: z.record(label, label).optional(),
});

/** The schema of a `POST /predict` body under the given limits. */
export function predictRequestSchema(limits: PredictLimits) {
  return z.strictObject({
    dataset: datasetName.default('default'),
    asOf: isoTime.optional(),
    customers: z
      .array(
        z.strictObject({
          id: label,
          transactions: z.array(transactionSchema).max(limits.maxTransactionsPerCustomer),
        }),
      )
      .min(1)
      .max(limits.maxCustomers)
      .refine(
        (customers) => new Set(customers.map((c) => c.id)).size === customers.length,
        'has duplicate ids',
      ),
  });
}

export type PredictRequest = z.infer<ReturnType<typeof predictRequestSchema>>;

export interface Prediction {
  id: string;
  predictedValue: number;
  pReturn: number | null;
  valueDecile: number;
}

export interface PredictResponse {
  modelVersion: string;
  horizonDays: number;
  asOf: string;
  predictions: Prediction[];
}

/**
 * Predict each posted customer's value with the served model: features from the posted transactions
 * through the same computeFeatures as batch scoring, with the model's stored spec (categorical levels,
 * BG/NBD and Gamma-Gamma fits), so a customer gets the same numbers here as in predictions.csv at the
 * same asOf. Transactions at or after asOf are ignored, as batch scoring ignores them. Numbers are
 * rounded as predictions.csv rounds them (4 digits for value, 6 for pReturn).
 * @throws ApiError 400 naming the customer when it has no transaction before asOf
 */
export function predictCustomers(served: ServingModel, request: PredictRequest): PredictResponse {
  const asOf = request.asOf ?? Date.parse(served.meta.asOf);
  // Sized for the posted rows: the default capacity would allocate for a thousand.
  const builder = new TransactionTableBuilder(
    request.customers.reduce((rows, customer) => rows + customer.transactions.length, 0),
  );
  for (const customer of request.customers) {
    for (const t of customer.transactions) {
      if (t.date >= asOf) continue;
      builder.add({
        customerId: customer.id,
        time: t.date,
        amount: t.amount,
        orderId: t.orderId,
        categories: t.categories,
      });
    }
  }
  const table = builder.build();
  const spec = served.meta.featureSpec;
  const features = computeFeatures(table, asOf, {
    horizonDays: spec.horizonDays,
    categoryLevels: spec.categoryLevels,
    bgNbd: spec.bgNbd,
    gammaGamma: spec.gammaGamma,
  });
  const rowOf = new Map<string, number>();
  features.customers.forEach((c, row) => {
    rowOf.set(table.customerIds[c] as string, row);
  });
  const missing = request.customers.findIndex((c) => !rowOf.has(c.id));
  if (missing >= 0) {
    const field = `customers.${missing}.transactions`;
    throw new ApiError(400, 'INVALID_REQUEST', `${field}: has no transaction before asOf`, [
      { field, problem: 'has no transaction before asOf' },
    ]);
  }
  const { value, pReturn } = served.model.predict(features);
  const predictions = request.customers.map((customer) => {
    const row = rowOf.get(customer.id) as number;
    const predictedValue = round(value[row] as number, 4);
    return {
      id: customer.id,
      predictedValue,
      pReturn: pReturn ? round(pReturn[row] as number, 6) : null,
      valueDecile: decileOf(predictedValue, served.batch.decileFloors),
    };
  });
  return {
    modelVersion: served.version,
    horizonDays: served.meta.horizonDays,
    asOf: new Date(asOf).toISOString(),
    predictions,
  };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
