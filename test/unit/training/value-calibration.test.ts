import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeatureMatrix, featureColumn, type LabelledRows } from '../../../lib/model/feature-matrix';
import { fitModel } from '../../../lib/model/fit';
import type { TrainedModel } from '../../../lib/model/value-model';
import { seededRandom } from '../../../lib/random';
import { BLEND_COLUMN, fitValueCalibration } from '../../../lib/training/fit-value-model';
import { QUICK_FIT, syntheticShop } from '../model/synthetic';

const shop = syntheticShop(3000, 11);

/** The rows with the blend column appended, its value per row given by `value(label, row)`. */
function withBlendColumn(rows: LabelledRows, value: (label: number, row: number) => number): LabelledRows {
  const { features } = rows;
  const cols = features.cols + 1;
  const values = new Float32Array(features.rows * cols);
  for (let r = 0; r < features.rows; r++) {
    values.set(features.values.subarray(r * features.cols, (r + 1) * features.cols), r * cols);
    values[r * cols + features.cols] = value(rows.label[r] as number, r);
  }
  const matrix: FeatureMatrix = { ...features, names: [...features.names, BLEND_COLUMN], cols, values };
  return { features: matrix, label: rows.label };
}

function shuffledLabels(rows: LabelledRows, seed: number): LabelledRows {
  const random = seededRandom(seed);
  const label = Float32Array.from(rows.label);
  for (let i = label.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [label[i], label[j]] = [label[j] as number, label[i] as number];
  }
  return { features: rows.features, label };
}

describe('fitValueCalibration', () => {
  const noise = seededRandom(5);
  const noiseColumn = () => 50 * noise();
  let learnt: TrainedModel;
  let learntNothing: TrainedModel;

  beforeAll(async () => {
    const train = withBlendColumn(shop.train, noiseColumn);
    const validation = withBlendColumn(shop.validation, noiseColumn);
    learnt = await fitModel(train, validation, { ...QUICK_FIT, epochs: 3 });
    learntNothing = await fitModel(shuffledLabels(train, 3), undefined, QUICK_FIT);
  });
  afterAll(() => {
    learnt?.dispose();
    learntNothing?.dispose();
  });

  it('averages a network that ranks the held-out customers well with the BG/NBD + GG column', () => {
    // Arrange: the column is noise, the network learnt the spend
    const holdout = withBlendColumn(shop.validation, noiseColumn);

    // Act
    const calibration = fitValueCalibration(learnt, holdout);

    // Assess
    expect(calibration.blendColumn).toBe(BLEND_COLUMN);
    expect(calibration.blendWeight).toBe(0.5);
  });

  it('predicts the column alone when the network ranks the held-out customers clearly worse', () => {
    // Arrange: the network learnt from shuffled labels, the column knows the spend
    const holdout = withBlendColumn(shop.validation, (label) => label);

    // Act
    const calibration = fitValueCalibration(learntNothing, holdout);
    const predicted = learntNothing.withCalibration(calibration).predict(holdout.features).value;

    // Assess
    expect(calibration.blendWeight).toBe(1);
    const column = featureColumn(holdout.features, BLEND_COLUMN);
    for (let r = 0; r < column.length; r++) expect(predicted[r]).toBeCloseTo(column[r] as number, 3);
  });

  it('has no blend column when the rows have none (a customer table)', async () => {
    // Arrange
    const network = await fitModel(shop.train, undefined, QUICK_FIT);

    // Act
    const calibration = fitValueCalibration(network, shop.validation);
    network.dispose();

    // Assess
    expect(calibration.blendColumn).toBeUndefined();
    expect(calibration.blendWeight).toBe(0);
  });
});
