// Temporary outputs must not outlive a Ctrl-C or a `kill`: while any writer is open, SIGINT, SIGTERM
// and SIGHUP first abort every open writer (removing its temporary files), then the signal takes its
// usual course — re-raised when nobody else listens, so the process still dies of it (exit 130/143),
// exactly as without tokenshift. Killed with SIGKILL, the next run next to the same output removes
// what was left (see `write/ts/pending.ts`).

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const openAborts = new Set<() => void>();

function onSignal(signal: NodeJS.Signals): void {
  for (const abort of [...openAborts]) {
    try {
      abort();
    } catch {
      // Best effort: the process is going down; the next run removes what is left.
    }
  }
  openAborts.clear();
  uninstall();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  for (const signal of SIGNALS) if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
}

function uninstall(): void {
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

/** Runs `abort` if the process is signalled before the returned function is called. */
export function abortOnSignal(abort: () => void): () => void {
  openAborts.add(abort);
  install();
  return () => {
    openAborts.delete(abort);
    if (openAborts.size === 0) uninstall();
  };
}
