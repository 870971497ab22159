import * as z from 'zod';
import { computeFeatures } from '../features/compute-features';
import { type CustomerOutlook, customerOutlook, outlookSegments } from '../features/customer-outlook';
import { CustomerFeatureError, encodeCustomerRows } from '../features/customer-table-features';
import { amountProblem, EARLIEST_ORDER_TIME, MAX_ABS_AMOUNT, timeProblem } from '../ingest/order-limits';
import { TransactionTableBuilder } from '../ingest/transaction-table';
import { spendIntervals } from '../model/spend-distribution';
import {
  type CustomerTableModelMeta,
  isCustomerTableMeta,
  type TransactionModelMeta,
} from '../registry/model-meta';
import { DATASET_NAME } from '../store/bucket-layout';
import { ApiError } from './api-error';
import { decileOf, type OutlookFields } from './batch-scores';
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
    // Date.parse rolls impossible days over (2021-02-30 → 2 March): the written day must exist.
    const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
    if (Number.isNaN(time) || new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day)
      context.addIssue({ code: 'custom', message: 'is not a real date' });
    return time;
  });

export const datasetName = z.string().regex(DATASET_NAME, 'is not a dataset name (letters, digits, . _ -)');

const label = z.string().min(1).max(200);

/** An instant an order can have (lib/ingest/order-limits.ts, as ingest checks rows): from 1970. */
const orderTime = isoTime.refine(
  (time) => Number.isNaN(time) || time >= EARLIEST_ORDER_TIME,
  'is before 1970',
);

/** An order's amount within the limits ingest applies (finite, at most MAX_ABS_AMOUNT either way). */
const orderAmount = z.number().superRefine((amount, context) => {
  const problem = amountProblem(amount);
  if (problem)
    context.addIssue({
      code: 'custom',
      message:
        problem === 'not_finite'
          ? 'is not a finite number'
          : `is beyond ±${MAX_ABS_AMOUNT}, the limit of one order`,
    });
});

const transactionSchema = z.strictObject({
  date: orderTime,
  amount: orderAmount,
  orderId: label.optional(),
  /** Categorical columns the model was trained with (e.g. country, channel), by column name. */
  categories: z.record(label, label).optional(),
});

/** A customer-table column's value: a number, text (categories, ISO dates, numeric text) or null (missing). */
const featureValue = z.union(
  [z.number().refine(Number.isFinite, 'is not a finite number'), z.string().max(200), z.null()],
  {
    error: 'is not a number, a text or null',
  },
);

/** The schema of a `POST /predict` body under the given limits. */
export function predictRequestSchema(limits: PredictLimits) {
  return z.strictObject({
    dataset: datasetName.default('default'),
    asOf: orderTime.optional(),
    customers: z
      .array(
        z
          .strictObject({
            id: label,
            /** For models trained on transactions. */
            transactions: z.array(transactionSchema).max(limits.maxTransactionsPerCustomer).optional(),
            /** For models trained on a customer table: column → value, as in the table. */
            features: z.record(label, featureValue).optional(),
          })
          .superRefine((customer, context) => {
            if (customer.transactions === undefined && customer.features === undefined)
              context.addIssue({
                code: 'custom',
                path: ['transactions'],
                message: 'is required (or features, for a model trained on a customer table)',
              });
            else if (customer.transactions !== undefined && customer.features !== undefined)
              context.addIssue({
                code: 'custom',
                path: ['features'],
                message: 'cannot come with transactions: send the one the model reads',
              });
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

/** A posted customer's answer: the prediction and its outlook (lifetime value over 12 months at 10% a year). */
export interface Prediction extends OutlookFields {
  id: string;
  predictedValue: number;
  pReturn: number | null;
  valueDecile: number;
}

export interface PredictResponse {
  modelVersion: string;
  /** `null` for customer-table models: they predict the label column, whose period the table does not state. */
  horizonDays: number | null;
  asOf: string;
  predictions: Prediction[];
}

/**
 * Predict each posted customer's value with the served model, from what it reads: posted transactions
 * (models trained on transactions) or a customer-table row in `features` (models trained on a customer
 * table). Numbers are rounded as predictions.csv rounds them (4 digits for value, 6 for pReturn), and
 * `valueDecile` places the value among the champion's batch scores.
 * @throws ApiError 400 naming the field when a customer's input cannot be used by this model
 */
export function predictCustomers(served: ServingModel, request: PredictRequest): PredictResponse {
  return isCustomerTableMeta(served.meta)
    ? predictFromFeatures(served, served.meta, request)
    : predictFromTransactions(served, served.meta, request);
}

/**
 * Features from the posted transactions through the same computeFeatures as batch scoring, with the
 * model's stored spec (categorical levels, BG/NBD and Gamma-Gamma fits), so a customer gets the same
 * numbers here as in predictions.csv at the same asOf. Transactions at or after asOf are ignored, as
 * batch scoring ignores them.
 */
function predictFromTransactions(
  served: ServingModel,
  meta: TransactionModelMeta,
  request: PredictRequest,
): PredictResponse {
  const posted = request.customers.map((customer, i) => {
    if (customer.transactions === undefined)
      throw fieldError(`customers.${i}.features`, 'this model reads transactions: send transactions instead');
    return customer.transactions;
  });
  const asOf = request.asOf ?? Date.parse(meta.asOf);
  const now = Date.now();
  // Sized for the posted rows: the default capacity would allocate for a thousand.
  const builder = new TransactionTableBuilder(
    posted.reduce((rows, transactions) => rows + transactions.length, 0),
  );
  request.customers.forEach((customer, i) => {
    for (const [j, t] of (posted[i] ?? []).entries()) {
      if (t.date >= asOf) continue;
      // Ignored when at or after asOf (above); one the features would read cannot be later than now.
      if (timeProblem(t.date, now) === 'in_the_future')
        throw fieldError(
          `customers.${i}.transactions.${j}.date`,
          'is in the future: an order cannot be dated after now',
        );
      builder.add({
        customerId: customer.id,
        time: t.date,
        amount: t.amount,
        orderId: t.orderId,
        categories: t.categories,
      });
    }
  });
  const table = builder.build();
  const spec = meta.featureSpec;
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
  if (missing >= 0) throw fieldError(`customers.${missing}.transactions`, 'has no transaction before asOf');
  const rows = request.customers.map((customer) => rowOf.get(customer.id) as number);
  const outlook = customerOutlook(served.model, spec, features, table, asOf);
  const deciles = Array.from(outlook.value, (v) => decileOf(round(v, 4), served.batch.decileFloors));
  const segment = outlookSegments(outlook, deciles, features, spec.horizonDays);
  return response(served, meta.horizonDays, asOf, request, rows, { ...outlook, ...(segment && { segment }) });
}

/**
 * Each customer's `features` encoded by the same encodeCustomerRow as training and batch scoring, with
 * the encoding stored in meta.json (imputed medians, category levels, dates as days before asOf).
 */
function predictFromFeatures(
  served: ServingModel,
  meta: CustomerTableModelMeta,
  request: PredictRequest,
): PredictResponse {
  const rows = request.customers.map((customer, i) => {
    if (customer.features === undefined)
      throw fieldError(
        `customers.${i}.transactions`,
        `this model reads a customer table: send features (columns ${meta.encoding.columns.map((c) => c.name).join(', ')})`,
      );
    return customer.features;
  });
  const asOf = request.asOf ?? Date.parse(meta.asOf);
  try {
    const features = encodeCustomerRows(meta.encoding, rows, { asOf });
    const prediction = served.model.predict(features);
    const mixture = served.model.mixtureOf(prediction);
    const interval = mixture && spendIntervals(mixture);
    return response(
      served,
      meta.horizonDays,
      asOf,
      request,
      rows.map((_, row) => row),
      { ...prediction, ...(interval && { p10: interval.low, p90: interval.high }) },
    );
  } catch (e: unknown) {
    if (!(e instanceof CustomerFeatureError)) throw e;
    const field = [`customers.${e.row ?? 0}.features`, ...(e.column === undefined ? [] : [e.column])].join(
      '.',
    );
    // The encoder prefixes the batch row ("row 3: …"); the field path already says which customer.
    throw fieldError(field, e.message.replace(/^row \d+: /, ''));
  }
}

function response(
  served: ServingModel,
  horizonDays: number | null,
  asOf: number,
  request: PredictRequest,
  rowOfCustomer: readonly number[],
  outlook: CustomerOutlook & { segment?: readonly string[] },
): PredictResponse {
  const { value, pReturn } = outlook;
  const predictions = request.customers.map((customer, i) => {
    const row = rowOfCustomer[i] as number;
    const predictedValue = round(value[row] as number, 4);
    return {
      id: customer.id,
      predictedValue,
      pReturn: pReturn ? round(pReturn[row] as number, 6) : null,
      valueDecile: decileOf(predictedValue, served.batch.decileFloors),
      ...outlookFields(outlook, row),
    };
  });
  return { modelVersion: served.version, horizonDays, asOf: new Date(asOf).toISOString(), predictions };
}

/** The outlook fields of one row, rounded as predictions.csv rounds them, only those the model says. */
function outlookFields(
  outlook: CustomerOutlook & { segment?: readonly string[] },
  row: number,
): OutlookFields {
  const field = (values: Float32Array | undefined, digits: number) =>
    values ? round(values[row] as number, digits) : undefined;
  const fields: OutlookFields = {
    predictedP10: field(outlook.p10, 4),
    predictedP90: field(outlook.p90, 4),
    pAlive: field(outlook.pAlive, 6),
    expectedOrders: field(outlook.expectedOrders, 4),
    clv: field(outlook.clv, 4),
    segment: outlook.segment?.[row],
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function fieldError(field: string, problem: string): ApiError {
  return new ApiError(400, 'INVALID_REQUEST', `${field}: ${problem}`, [{ field, problem }]);
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
