/**
 * Progress for long work, on stderr so stdout stays clean for data. On a terminal it redraws one line
 * (at most every 200 ms); elsewhere (CI logs, pipes) it stays silent until `done`.
 */
export interface Progress {
  update(message: string): void;
  done(message?: string): void;
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const interactive = Boolean(stream.isTTY);
  let last = 0;
  let shown = false;
  return {
    update(message) {
      if (!interactive) return;
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      shown = true;
      stream.write(`\r\x1b[2K${message}`);
    },
    done(message) {
      if (interactive && shown) stream.write('\r\x1b[2K');
      if (message) stream.write(`${message}\n`);
    },
  };
}
