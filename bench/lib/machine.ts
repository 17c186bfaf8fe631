/** What the results were measured on (CPU, cores, memory, kernel, runtimes), and which cores brokers and clients get. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  java: string | null;
  hostnameHash: string;
}

/** `java -version` prints to stderr; null when there is no Java. */
function javaVersion(): string | null {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stderr.split('\n')[0] ?? '').trim() : null;
}

/** Brokers on CPU 0, clients on the rest; unpinned on a single-core machine or without taskset. */
export function cpuSets(): { brokerCpus?: string; clientCpus?: string } {
  const cores = os.cpus().length;
  if (cores < 2 || spawnSync('taskset', ['-V']).status !== 0) return {};
  return { brokerCpus: '0', clientCpus: cores === 2 ? '1' : `1-${cores - 1}` };
}

export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  let hostHash = 0;
  for (const ch of os.hostname()) hostHash = (hostHash * 31 + ch.charCodeAt(0)) >>> 0;
  let kernel = os.release();
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // not Linux: os.release() is what there is
  }
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    node: process.version,
    java: javaVersion(),
    hostnameHash: hostHash.toString(16),
  };
}
