import { readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU and memory of processes, from /proc (Linux); undefined where there is no /proc entry. */

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15, in USER_HZ (100).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all processes, ours and anyone else's), from /proc/stat. */
function machineBusySeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - fields[3] - fields[4]) / 100;
  } catch {
    return undefined;
  }
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in MB. */
export function memoryMb(pid: number | undefined): { peak: number; now: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds of each named process, the bench process and the whole machine since it was made. */
export class CpuMeter {
  private readonly start: (number | undefined)[];
  private readonly startSelf = process.cpuUsage();
  private readonly startMachine = machineBusySeconds();

  constructor(private readonly pids: { name: string; pid: number | undefined }[]) {
    this.start = pids.map((p) => cpuSeconds(p.pid));
  }

  /** "api 1.2, dispatcher 0.8, ... = 3.4; whole machine busy 3.5; 4.0 available (2 cores x 2.0 s)" over `wallSeconds`. */
  report(wallSeconds: number): string {
    const parts: string[] = [];
    let total = 0;
    this.pids.forEach((p, i) => {
      const now = cpuSeconds(p.pid);
      const before = this.start[i];
      if (now === undefined || before === undefined) return;
      total += now - before;
      parts.push(`${p.name} ${(now - before).toFixed(1)}`);
    });
    const self = process.cpuUsage(this.startSelf);
    const selfSeconds = (self.user + self.system) / 1e6;
    total += selfSeconds;
    parts.push(`bench process ${selfSeconds.toFixed(1)}`);
    const cores = os.cpus().length;
    const machine = machineBusySeconds();
    const others =
      machine !== undefined && this.startMachine !== undefined ? `; whole machine busy ${(machine - this.startMachine).toFixed(1)}` : '';
    return `CPU seconds: ${parts.join(', ')} = ${total.toFixed(1)}${others}; ${(wallSeconds * cores).toFixed(1)} available (${cores} cores x ${wallSeconds.toFixed(1)} s)`;
  }
}

/** CPU of the product's processes in a scenario: api, dispatcher, Redis and the receiver. */
export function productCpuMeter(pids: { api?: number; dispatcher?: number; redis?: number; receiver?: number }): CpuMeter {
  return new CpuMeter([
    { name: 'api', pid: pids.api },
    { name: 'dispatcher', pid: pids.dispatcher },
    { name: 'redis', pid: pids.redis },
    { name: 'receiver', pid: pids.receiver },
  ]);
}
