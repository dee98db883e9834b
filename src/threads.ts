import { OptionError } from './errors.js';

/**
 * Thread count for batch work: the explicit option, else `TOKENSHIFT_NUM_THREADS`, else 0 (all cores).
 * Results never depend on it; only speed does.
 */
export function resolveThreads(option: unknown): number {
  if (option !== undefined && option !== null) return checkThreads(option, 'threads');
  const fromEnv = process.env.TOKENSHIFT_NUM_THREADS;
  if (fromEnv === undefined || fromEnv.trim() === '') return 0;
  const parsed = Number(fromEnv);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new OptionError(`TOKENSHIFT_NUM_THREADS must be a whole number (0 = all cores), got ${JSON.stringify(fromEnv)}`);
  }
  return checkThreads(parsed, 'TOKENSHIFT_NUM_THREADS');
}

function checkThreads(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be a whole number (0 = all cores), got ${String(value)}`);
  }
  if (value < 0 || value > 1024) {
    throw new OptionError(`${name} must be between 0 (all cores) and 1024, got ${value}`);
  }
  return value;
}
