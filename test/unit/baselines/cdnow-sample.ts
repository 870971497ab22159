import { readFileSync } from 'node:fs';
import { DAY_MS } from '../../../lib/time';
import { CDNOW_SAMPLE } from '../../support/datasets';

/**
 * The classic BTYD calibration summary of CDNOW_sample.txt (Fader, Hardie & Lee 2005): weeks as the unit,
 * calibration up to and including 1997-09-30, same-day transactions merged; plus each repeat buyer's mean
 * repeat-day spend (Gamma-Gamma's input). Parsed here, in the test, because the file is headerless and tiny.
 */
export function cdnowSampleCalibration() {
  const spendByDay = new Map<string, Map<number, number>>();
  for (const line of readFileSync(CDNOW_SAMPLE, 'utf8').trim().split('\n')) {
    const [, customer, date, , dollars] = line.trim().split(/\s+/) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const day =
      Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) / DAY_MS;
    const days = spendByDay.get(customer) ?? new Map<number, number>();
    spendByDay.set(customer, days);
    days.set(day, (days.get(day) ?? 0) + Number(dollars));
  }
  const end = Date.UTC(1997, 8, 30) / DAY_MS;
  const frequency: number[] = [];
  const recency: number[] = [];
  const tenure: number[] = [];
  const meanRepeatSpend: number[] = [];
  for (const days of spendByDay.values()) {
    const calibration = [...days.keys()].filter((d) => d <= end).sort((a, b) => a - b);
    const first = calibration[0];
    const last = calibration[calibration.length - 1];
    if (first === undefined || last === undefined) continue;
    frequency.push(calibration.length - 1);
    recency.push((last - first) / 7);
    tenure.push((end - first) / 7);
    const repeats = calibration.slice(1).map((d) => days.get(d) as number);
    meanRepeatSpend.push(repeats.length > 0 ? repeats.reduce((s, v) => s + v, 0) / repeats.length : 0);
  }
  return { frequency, recency, tenure, meanRepeatSpend };
}
