import { closeSync, openSync, writeSync } from 'node:fs';

const FORMULA_START = /^[=+\-@\t\r']/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * Make a value safe to open in a spreadsheet: text a spreadsheet would run as a formula (starting with
 * `= + - @`, tab or CR) gets a leading `'`. Values already starting with `'` get one too, so stripping one
 * leading `'` always recovers the raw text. Plain numbers (`-5`) are left alone: they are not formulas.
 */
export function neutralizeFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

function csvCell(value: string): string {
  const v = neutralizeFormula(value);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * The rejected rows of one source, as CSV: `source_line,reason,<the file's columns…>` with the raw
 * field values (formula-neutralized). Written to a local file in batches.
 */
export class QuarantineFileWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private closed = false;

  constructor(path: string, columnNames: readonly string[]) {
    this.fd = openSync(path, 'w');
    this.pending.push(['source_line', 'reason', ...columnNames].map(csvCell).join(','));
  }

  add(line: number, reason: string, fields: readonly string[]): void {
    let row = `${line},${reason}`;
    for (const f of fields) row += `,${csvCell(f)}`;
    this.pending.push(row);
    this.pendingChars += row.length;
    if (this.pendingChars > 1 << 20) this.flush();
  }

  finish(): void {
    this.flush();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, `${this.pending.join('\n')}\n`);
    this.pending = [];
    this.pendingChars = 0;
  }
}
