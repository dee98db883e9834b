// Temporary outputs must not outlive a Ctrl-C or a `kill`. While any writer is open:
// - SIGINT, SIGTERM and SIGHUP, when nothing else listens for them, abort every open writer (removing
//   its temporary files) and are re-raised, so the process still dies of the signal (exit 130/143)
//   exactly as without tokenshift;
// - when the application listens for the signal itself, tokenshift leaves it alone: the application's
//   handlers decide (finish, abort, or exit), and its open writers stay open for them;
// - whenever the process exits with writers still open (an application's handler calling
//   `process.exit()` included), their temporary files are removed on the way out.
// Killed with SIGKILL, the next run next to the same output removes what was left (`write/ts/pending.ts`).

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const openAborts = new Set<() => void>();

function abortAll(): void {
  for (const abort of [...openAborts]) {
    try {
      abort();
    } catch {
      // Best effort: the process is going down; the next run removes what is left.
    }
  }
  openAborts.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // The application handles this signal: what happens to its writers is its call.
  if (process.listenerCount(signal) > 1) return;
  abortAll();
  uninstall();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  for (const signal of SIGNALS) if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
  if (!process.listeners('exit').includes(abortAll)) process.on('exit', abortAll);
}

function uninstall(): void {
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  process.removeListener('exit', abortAll);
}

/** Runs `abort` if the process is signalled (and nothing else handles the signal) or exits before the returned function is called. */
export function abortOnSignal(abort: () => void): () => void {
  openAborts.add(abort);
  install();
  return () => {
    openAborts.delete(abort);
    if (openAborts.size === 0) uninstall();
  };
}
