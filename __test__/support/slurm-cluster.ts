// A one-node Slurm cluster from Debian's packages (slurmctld, slurmd, munge), brought up as root without
// systemd in a temporary folder, for the scale-out test. Facts it relies on: munged must run as user
// `munge` with a private socket folder (mode 711); clients find the cluster through SLURM_CONF;
// slurmctld and slurmd fork and write pid files; RealMemory must stay below the machine's or the node drains.

import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const PACKAGES = ['slurmctld', 'slurmd', 'slurm-client', 'munge'];
const DAEMONS = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/munged', '/usr/bin/sbatch'];

export interface SlurmCluster {
  dir: string;
  /** The environment clients (sbatch, squeue, scontrol) need. */
  env: NodeJS.ProcessEnv;
  run(command: string, args: string[]): string;
  stop(): void;
}

function sh(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; out: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 300_000 });
  return { status: result.status, out: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}` };
}

/** Installs the packages when missing; null when they are there, else why they cannot be. */
export function installSlurm(): string | null {
  if (DAEMONS.every((d) => existsSync(d))) return null;
  if (process.getuid?.() !== 0) return 'Slurm is not installed and installing it needs root';
  const install = ['install', '-y', '--no-install-recommends', ...PACKAGES];
  let result = sh('apt-get', install, { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
  if (result.status !== 0) {
    sh('apt-get', ['update'], { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
    result = sh('apt-get', install, { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
  }
  if (result.status !== 0) return `apt-get install ${PACKAGES.join(' ')} failed: ${result.out.slice(-600)}`;
  return DAEMONS.every((d) => existsSync(d)) ? null : `apt-get installed ${PACKAGES.join(' ')} but ${DAEMONS.join(', ')} are not all there`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function pidOf(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

function stopPid(pid: number | null): void {
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** Starts munged, slurmctld and slurmd; resolves when the node is idle. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenshift-slurm-'));
  chmodSync(dir, 0o755);
  const munge = join(dir, 'munge');
  const ids = spawnSync('id', ['-u', 'munge'], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-g', 'munge'], { encoding: 'utf8' });
  const [uid, gid] = [Number(ids.stdout.trim()), Number(gids.stdout.trim())];
  for (const [sub, mode] of [
    ['', 0o755],
    ['etc', 0o700],
    ['lib', 0o700],
    ['log', 0o700],
    ['run', 0o711],
  ] as const) {
    const path = join(munge, sub);
    mkdirSync(path, { recursive: true });
    chownSync(path, uid, gid);
    chmodSync(path, mode);
  }
  const socket = join(munge, 'run', 'munge.socket');
  const asMunge = (args: string[]) => sh('runuser', ['-u', 'munge', '--', ...args]);
  const key = asMunge(['mungekey', '--create', `--keyfile=${join(munge, 'etc', 'munge.key')}`]);
  if (key.status !== 0) throw new Error(`mungekey failed: ${key.out}`);
  const started = asMunge([
    'munged',
    `--key-file=${join(munge, 'etc', 'munge.key')}`,
    `--socket=${socket}`,
    `--pid-file=${join(munge, 'run', 'munged.pid')}`,
    `--log-file=${join(munge, 'log', 'munged.log')}`,
    `--seed-file=${join(munge, 'lib', 'munged.seed')}`,
  ]);
  if (started.status !== 0) throw new Error(`munged failed: ${started.out}`);

  const node = hostname().split('.')[0] as string;
  const conf = join(dir, 'slurm.conf');
  for (const sub of ['state', 'spool', 'log']) mkdirSync(join(dir, sub));
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  writeFileSync(
    conf,
    [
      'ClusterName=tokenshift',
      `SlurmctldHost=${node}(127.0.0.1)`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MpiDefault=none',
      // Finished tasks stay visible to squeue for the whole test.
      'MinJobAge=3600',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus().length} RealMemory=1024 State=UNKNOWN`,
      'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };
  const stop = () => {
    stopPid(pidOf(join(dir, 'slurmd.pid')));
    stopPid(pidOf(join(dir, 'slurmctld.pid')));
    stopPid(pidOf(join(munge, 'run', 'munged.pid')));
  };
  const run = (command: string, args: string[]): string => {
    const result = sh(command, args, env);
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.out}`);
    return result.out;
  };
  try {
    run('/usr/sbin/slurmctld', ['-f', conf]);
    run('/usr/sbin/slurmd', ['-f', conf]);
    for (let i = 0; ; i++) {
      const state = sh('sinfo', ['-h', '-o', '%T'], env).out.trim();
      if (state === 'idle') break;
      if (i === 60)
        throw new Error(`the node is ${JSON.stringify(state)} after 30 s, not idle:\n${readFileSync(join(dir, 'log', 'slurmctld.log'), 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { dir, env, run, stop };
}

/** `JOB_TASK STATE` of every task of array job `job`, finished ones included. */
export function arrayStates(cluster: SlurmCluster, job: string): Map<number, string> {
  const states = new Map<number, string>();
  for (const line of cluster.run('squeue', ['-h', '-t', 'all', '-j', job, '-o', '%i %T']).split('\n')) {
    const match = /^\d+_(\d+) (\S+)$/.exec(line.trim());
    if (match !== null) states.set(Number(match[1]), match[2] as string);
  }
  return states;
}

/** Polls until `done(states)` holds (squeue every 500 ms), up to `seconds`. */
export async function waitForArray(
  cluster: SlurmCluster,
  job: string,
  done: (states: Map<number, string>) => boolean,
  seconds = 240,
): Promise<Map<number, string>> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const states = arrayStates(cluster, job);
    if (done(states)) return states;
    if (Date.now() > deadline) throw new Error(`job ${job} after ${seconds} s: ${JSON.stringify([...states])}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
