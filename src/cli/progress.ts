// Progress of a long-running command, on stderr. On a terminal it is one bar redrawn in place;
// anywhere else (a pipe, a CI log) it is a plain line now and then, so logs never fill with
// carriage returns and escape codes. Stdout is left alone for the command's own output.

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  total: number;
  label: string;
  /** Default: process.stderr, looked up when the bar is created. */
  stream?: ProgressStream;
  /** Off draws nothing; auto draws a bar on a TTY and periodic lines elsewhere. Default auto. */
  mode?: 'auto' | 'off';
  /** Milliseconds between plain lines when the stream is not a TTY. Default 5000. */
  intervalMs?: number;
  now?: () => number;
}

export interface Progress {
  /** Counts one finished item. */
  tick(ok: boolean): void;
  /** Prints a whole line (an error report) without tearing the bar. */
  log(line: string): void;
  /** Draws the final state and releases the line. */
  done(): void;
}

const BAR_REDRAW_MS = 80;
const CLEAR_LINE = '\r\x1b[2K';

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? Date.now;
  const off = opts.mode === 'off';
  const tty = !off && stream.isTTY === true;
  const intervalMs = opts.intervalMs ?? 5000;
  const started = now();
  let ok = 0;
  let failed = 0;
  let lastDraw = 0;
  let drawn = false;

  function counts(): string {
    const finished = ok + failed;
    const secs = Math.max((now() - started) / 1000, 0.001);
    const rate = finished / secs;
    return `${finished}/${opts.total} (${ok} ok, ${failed} failed, ${rate < 10 ? rate.toFixed(1) : Math.round(rate)}/s)`;
  }

  function bar(): string {
    const text = counts();
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - opts.label.length - text.length - 6));
    const filled = opts.total === 0 ? width : Math.round((width * (ok + failed)) / opts.total);
    return `${opts.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
  }

  function draw(force: boolean): void {
    const t = now();
    if (tty) {
      if (!force && t - lastDraw < BAR_REDRAW_MS) return;
      stream.write(`${CLEAR_LINE}${bar()}`);
      drawn = true;
    } else {
      if (off || intervalMs <= 0 || t - lastDraw < intervalMs) return;
      stream.write(`${opts.label}: ${counts()}\n`);
    }
    lastDraw = t;
  }

  if (!tty) lastDraw = started;
  return {
    tick(success) {
      if (success) ok++;
      else failed++;
      draw(false);
    },
    log(line) {
      if (tty && drawn) {
        stream.write(`${CLEAR_LINE}${line}\n`);
        draw(true);
      } else {
        stream.write(`${line}\n`);
      }
    },
    done() {
      if (tty) {
        draw(true);
        stream.write('\n');
      }
    },
  };
}
