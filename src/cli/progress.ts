// Progress on stderr while `prepare` runs (bytes read / total, records/s, tokens/s, ETA), and the
// summary table at the end.

export interface ProgressSnapshot {
  bytes: number;
  totalBytes: number | null;
  records: number;
  tokens: number;
}

function rate(n: number, seconds: number): string {
  return Math.round(n / Math.max(seconds, 1e-9)).toLocaleString('en-US');
}

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

export class Progress {
  private readonly started = process.hrtime.bigint();
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  elapsed(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }

  /** The progress line for `now` (exposed for tests). */
  line(now: ProgressSnapshot): string {
    const seconds = this.elapsed();
    const parts = [this.label];
    if (now.totalBytes !== null && now.totalBytes > 0) {
      const fraction = Math.min(1, now.bytes / now.totalBytes);
      const eta = fraction > 0 ? (seconds * (1 - fraction)) / fraction : Infinity;
      parts.push(`${(100 * fraction).toFixed(1).padStart(5)}% ${size(now.bytes)}/${size(now.totalBytes)}`, `ETA ${duration(eta)}`);
    } else {
      parts.push(size(now.bytes));
    }
    parts.push(`${now.records.toLocaleString('en-US')} records`, `${rate(now.records, seconds)} rec/s`, `${rate(now.tokens, seconds)} tok/s`);
    return parts.join(' · ');
  }

  update(now: ProgressSnapshot, force = false): void {
    if (!this.enabled) return;
    const ms = Date.now();
    if (!force && ms - this.lastDraw < 200) return;
    this.lastDraw = ms;
    process.stderr.write(`\r\x1b[2K${this.line(now)}`);
  }

  finish(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}

/** A two-column table for the end-of-run summary. */
export function table(rows: [string, string | number][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`).join('\n');
}
