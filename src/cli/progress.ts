// A one-line progress report on stderr, only when stderr is a terminal.

export class Progress {
  private readonly enabled: boolean;
  private readonly started = process.hrtime.bigint();
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number | null,
  ) {
    this.enabled = process.stderr.isTTY === true;
  }

  update(done: number, tokens: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const seconds = Math.max(1e-9, Number(process.hrtime.bigint() - this.started) / 1e9);
    const percent = this.total ? ` ${((100 * done) / this.total).toFixed(0).padStart(3)}%` : '';
    const line = `${this.label}${percent} ${done.toLocaleString('en-US')}${this.total ? `/${this.total.toLocaleString('en-US')}` : ''} records · ${Math.round(done / seconds).toLocaleString('en-US')} rec/s · ${Math.round(tokens / seconds).toLocaleString('en-US')} tok/s`;
    process.stderr.write(`\r\x1b[2K${line}`);
  }

  finish(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}
