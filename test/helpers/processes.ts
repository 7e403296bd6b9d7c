import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The built CLI (scripts/test.sh builds it first). */
export const CLI = path.join(path.resolve(import.meta.dirname, '..', '..'), 'dist', 'src', 'cli', 'main.js');

/** Starts `forge <role>` as a process and resolves with its ready line once it prints one. */
export function startForge(role: 'ingress' | 'worker', env: Record<string, string>): Promise<{ child: ChildProcess; ready: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, role, ...(role === 'ingress' ? ['--port', '0'] : [])], { env: { PATH: process.env.PATH ?? '', ...env } });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`forge ${role} printed no ready line:\n${out}`)), 30_000);
    const read = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('Forge ready'));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ready: line, output: () => out });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    // A process the test kills on purpose (SIGKILL) is not a failure to start.
    child.on('exit', (code, signal) => signal !== 'SIGKILL' && reject(new Error(`forge ${role} exited with ${code}:\n${out}`)));
  });
}
