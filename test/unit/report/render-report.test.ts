import { describe, expect, it } from 'vitest';
import type { BacktestResult } from '../../../lib/evaluate/backtest';
import { evaluateMetrics } from '../../../lib/evaluate/metrics';
import { SEGMENTS } from '../../../lib/features/segments';
import { chartJsSource } from '../../../lib/report/chart-js-source';
import { escapeHtml, jsonForScript, renderReport } from '../../../lib/report/render-report';
import { backtestReportData, type ReportData } from '../../../lib/report/report-data';

const HOSTILE = `</script><script>alert("x")</script><img src=x onerror='alert(1)'>&amp;`;

/** A backtest of 40 customers, two systems, whose ids, source names and reasons are all hostile markup. */
function hostileReport(): ReportData {
  const actual = Float32Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? i * 2 : 0));
  const system = (name: string, predictions: Float32Array) => ({
    name,
    predictions,
    metrics: evaluateMetrics(actual, predictions),
    seconds: 0.5,
  });
  const result: BacktestResult = {
    cutoff: '2024-06-30',
    horizonDays: 30,
    customers: 40,
    customerIds: Array.from({ length: 40 }, (_, i) => `${HOSTILE}${i}`),
    returningShare: 14 / 40,
    actual,
    featureSeconds: 0.1,
    systems: [
      system(
        'model',
        Float32Array.from(actual, (a, i) => a + (i % 5)),
      ),
      system(
        'last_window',
        Float32Array.from({ length: 40 }, (_, i) => i % 7),
      ),
    ],
  };
  const data = backtestReportData(
    result,
    {
      sources: 2,
      rowsRead: 100,
      rowsAccepted: 90,
      rowsRejected: 10,
      rejectedByReason: { [HOSTILE]: 10 },
      duplicateRows: { withinFile: 1, acrossFiles: 0 },
      failedSources: [{ source: HOSTILE, reason: HOSTILE }],
    },
    '2026-11-28T12:00:00.000Z',
  );
  return {
    ...data,
    kind: 'training',
    dataset: HOSTILE,
    version: HOSTILE,
    promotion: { status: 'not_promoted', reason: HOSTILE },
    details: [[HOSTILE, HOSTILE]],
  };
}

describe('renderReport', () => {
  it('escapes every value: the only tags are the page own, whatever the data hold', () => {
    // Act
    const html = renderReport(hostileReport());

    // Assess: three scripts (data, Chart.js, the page's), no injected tag, the text still readable.
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html).not.toContain('<img');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain(escapeHtml(`${HOSTILE}0`).slice(0, 40));
  });

  it('puts the chart data in a JSON block that parses back to the same values', () => {
    // Prepare
    const data = hostileReport();

    // Act
    const html = renderReport(data);
    const block = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)?.[1];
    const parsed = JSON.parse(block ?? 'null');

    // Assess
    expect(parsed.gain.perfect).toEqual(data.evaluation?.gain.perfect);
    expect(parsed.calibration).toEqual(data.evaluation?.calibration);
    expect(parsed.histogram).toEqual(data.distribution.histogram);
    expect(parsed.gain.systems.map((s: { label: string }) => s.label)).toEqual([
      'Model (ZILN DNN)',
      'Last 30 days repeat',
    ]);
  });

  it('loads nothing: no external URL in an attribute, no link or remote font, a CSP without network', () => {
    // Act: the page without the (unmodified) Chart.js build, whose code mentions URLs it never loads here.
    const html = renderReport(hostileReport());
    const page = html.replace(chartJsSource(), '');

    // Assess
    expect(page.length).toBe(html.length - chartJsSource().length);
    expect(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i.test(page)).toBe(false);
    expect(/<link|@import|@font-face|url\(/i.test(page)).toBe(false);
    expect(page).toContain(`default-src 'none'`);
  });

  it('tables every system with its metrics, marking the best of each column', () => {
    // Act
    const html = renderReport(hostileReport());

    // Assess
    expect(html).toContain('data-system="model"');
    expect(html).toContain('data-system="last_window"');
    expect(html).toMatch(/<td class="num best">1\.000<\/td>/);
  });
});

describe('renderReport of a model judged on a random holdout (a customer table)', () => {
  /** The hostile report's numbers, as a customer-table model predicting Future_Value: no window, no horizon, no importance. */
  function holdoutReport(): ReportData {
    const data = hostileReport();
    return {
      ...data,
      target: { label: 'Future_Value' },
      evaluation: {
        ...(data.evaluation as NonNullable<ReportData['evaluation']>),
        basis: { method: 'random-holdout', share: 0.2 },
      },
      featureImportance: undefined,
    };
  }

  it('words the holdout and the label where a transaction report has the window and the horizon', () => {
    // Act
    const html = renderReport(holdoutReport());
    const page = html.slice(0, html.indexOf('<script'));

    // Assess
    expect(page).toContain('<h2>Holdout metrics</h2>');
    expect(page).toContain('every system learnt on 80.0% of the rows');
    expect(page).toContain('Predicts each customer&#39;s Future_Value');
    expect(page).toContain('Share of the actual Future_Value in the holdout');
    expect(page).toContain('The 10 customers with the largest predicted Future_Value');
    expect(page).not.toMatch(/validation window|out-of-time|\d+ days|undefined|NaN|Invalid Date/);
  });

  it('says feature importance was not computed, and the chart script gets the label to name its axes', () => {
    // Act
    const html = renderReport(holdoutReport());
    const block = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)?.[1];

    // Assess
    expect(html).not.toContain('id="chart-importance"');
    expect(html).toContain('Not computed for this model.');
    expect(JSON.parse(block ?? 'null')).toMatchObject({ valueName: 'Future_Value' });
    expect(JSON.parse(block ?? 'null').importance).toBeUndefined();
  });
});

describe('renderReport of the per-customer outlook', () => {
  function outlookReport(): ReportData {
    return {
      ...hostileReport(),
      outlook: {
        tracking: {
          weekStarts: ['2024-07-01', '2024-07-08'],
          weekDays: [7, 3],
          actual: [10, 4],
          predicted: [9.5, 4.25],
          customers: 120,
        },
        interval: {
          customers: 120,
          inside: 0.85,
          expected: 0.86,
          exactly80: { customers: 40, inside: Number.NaN },
          pit80: 0.79,
        },
        segments: SEGMENTS.map((segment, i) => ({
          segment,
          customers: i,
          predictedValue: 10 * i,
          clv: 25 * i,
        })),
        pAlive: {
          tenureDays: 400,
          frequencies: [0, 1],
          recencyDays: [0, 399],
          pAlive: [
            [0.4, null],
            [null, 0.9],
          ],
        },
      },
    };
  }

  it('draws the tracking plot, and tables the coverage, the P(alive) matrix and the segments', () => {
    // Act
    const html = renderReport(outlookReport());
    const block = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)?.[1];
    const page = html.slice(0, html.indexOf('<script'));

    // Assess: an impossible history's cell stays empty, a missing share reads as a dash.
    expect(page).toContain('id="chart-tracking"');
    expect(JSON.parse(block ?? 'null').tracking).toEqual({
      labels: ['2024-07-01', '2024-07-08'],
      actual: [10, 4],
      predicted: [9.5, 4.25],
    });
    expect(page.match(/<td class="num heat"/g)).toHaveLength(2);
    expect(page).toContain('>40%</td>');
    expect(page).toContain('>85.0%</td>');
    expect(page).toContain('whose interval holds exactly 80%</th><td class="num">—</td>');
    expect(page.match(/<tr data-segment=/g)).toHaveLength(SEGMENTS.length);
    expect(page).not.toMatch(/undefined|NaN/);
  });

  it('has no outlook section without outlook figures', () => {
    // Act
    const html = renderReport(hostileReport());
    const page = html.slice(0, html.indexOf('<script'));

    // Assess
    expect(page).not.toContain('chart-tracking');
    expect(page).not.toContain('id="segments"');
  });
});

describe('jsonForScript', () => {
  it('escapes every < so no string can close the script element', () => {
    // Act
    const json = jsonForScript({ id: '</script><!--' });

    // Assess
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual({ id: '</script><!--' });
  });
});
