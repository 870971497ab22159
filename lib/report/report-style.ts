/** The report's stylesheet: system fonts only (no web fonts: the page loads nothing). */
export const REPORT_STYLE = `
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; --bg: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 40px; }
header { margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0; font-weight: 650; letter-spacing: -0.01em; overflow-wrap: anywhere; }
h1 .muted { color: var(--muted); font-weight: 400; margin-right: 6px; }
h2 { font-size: 16px; margin: 0 0 4px; font-weight: 600; }
.version { margin: 2px 0 0; color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.lead { margin: 8px 0 0; color: #374151; }
.status { margin: 12px 0 0; padding: 10px 14px; border-radius: 8px; border: 1px solid var(--line); background: #fff; }
.status.promoted { border-color: #a7f3d0; background: #ecfdf5; }
.status.not_promoted { border-color: #fde68a; background: #fffbeb; }
.status.flagged { border-color: #fecaca; background: #fef2f2; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 14px; margin: 18px 0; }
.figure { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.figure .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.figure .value { font-size: 26px; font-weight: 650; margin: 2px 0; font-variant-numeric: tabular-nums; }
.figure .note { color: var(--muted); font-size: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; min-width: 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; }
.grid > .card { margin-bottom: 0; }
.grid + .grid, .grid + .card, .card + .grid { margin-top: 16px; }
.caption { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
.chart { position: relative; height: 320px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
tbody th { font-weight: 500; white-space: nowrap; }
.num { text-align: right; }
td.best { font-weight: 700; }
tr.focus th, tr.focus td { background: #eff6ff; }
tr.champion th, tr.champion td { color: #374151; font-style: italic; }
tr.sub th { padding-left: 26px; color: var(--muted); font-weight: 400; }
.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.note { color: var(--muted); font-size: 12px; margin: 8px 0 0; }
.empty { color: var(--muted); margin: 24px 0; }
.details th { width: 220px; color: var(--muted); font-weight: 400; }
td.heat { font-size: 12px; min-width: 42px; }
#segments td .note { margin: 2px 0 0; }
ul.failed { margin: 4px 0 0; padding-left: 18px; font-size: 12px; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; }
@media (max-width: 520px) { .grid { grid-template-columns: 1fr; } main { padding: 16px 12px; } }
`;
