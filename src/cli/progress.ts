// A progress bar on stderr for the long `wasm-lsm db` commands (--progress): one line redrawn in
// place with a carriage return, and erased at the end, so what is left on the terminal is what the
// command printed. Only a terminal gets one: in a pipe or a file the carriage returns would be
// noise, so there --progress draws nothing. Never on stdout, which carries the results.
//
//   compact  [##########..........]  50% level 1 of 2, 3 s
//
// Redrawn at most every REDRAW_MS (the caller may report as often as it likes); the clock is a
// parameter so that a test can drive it.

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const WIDTH = 20;
const REDRAW_MS = 100;
/** Used when the terminal does not say how wide it is. */
const DEFAULT_COLUMNS = 80;

export class ProgressBar {
  private lastDraw = -Infinity;
  private drawn = false;
  private readonly started: number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly label: string,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Reports `fraction` (0 to 1) done, with a few words on where; draws if it is time. */
  update(fraction: number, detail = ""): void {
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const filled = Math.round(f * WIDTH);
    const seconds = Math.floor((t - this.started) / 1000);
    const words = [detail, `${seconds} s`].filter((w) => w !== "").join(", ");
    const line = `${this.label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% ${words}`;
    // one column short of the width: a line that fills it wraps on some terminals, and \r then redraws only its last row
    const columns = this.stream.columns !== undefined && this.stream.columns > 1 ? this.stream.columns : DEFAULT_COLUMNS; // a pty may say 0
    this.stream.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
    this.drawn = true;
  }

  /** Erases the bar (if one was drawn). */
  done(): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.drawn = false;
  }
}

/** A bar on `stream` when --progress was given and the stream is a terminal; else null. */
export function progressBar(asked: boolean, label: string, stream: ProgressStream = process.stderr): ProgressBar | null {
  return asked && stream.isTTY === true ? new ProgressBar(stream, label) : null;
}
