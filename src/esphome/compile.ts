import { existsSync, readdirSync, statSync, accessSync, constants } from 'node:fs';
import path from 'node:path';
import { MwwError } from '../errors.js';

/** How to get ESPHome when it is missing (printed instead of compiling). */
export const ESPHOME_INSTALL_HINT = 'ESPHome is not installed (no `esphome` on PATH). Install it with `pipx install esphome` (or `pip install esphome`), or pass --esphome PATH';

/** The esphome executable: --esphome PATH if given (must exist), else the first `esphome` on PATH, else undefined. */
export function findEsphome(explicit: string | undefined, env: Record<string, string | undefined>): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new MwwError('input', 'ESPHome executable not found', { where: explicit });
    return path.resolve(explicit);
  }
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, `esphome${ext}`);
      try {
        accessSync(candidate, constants.X_OK);
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

/** Firmware images ESPHome leaves in .esphome/build/<name>/.pioenvs/<name>/ (esp-idf builds via PlatformIO). */
export function firmwareFiles(projectDir: string, name: string): string[] {
  const dir = path.join(projectDir, '.esphome', 'build', name, '.pioenvs', name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^firmware.*\.(bin|elf)$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Run `esphome compile <config>` with its output streamed line by line; resolves with the exit code. */
export async function runEsphomeCompile(esphome: string, configFile: string, onLine: (line: string) => void, env: Record<string, string | undefined>): Promise<number> {
  const { execa } = await import('execa');
  const child = execa(esphome, ['compile', configFile], { cwd: path.dirname(configFile), reject: false, all: true, env: env as NodeJS.ProcessEnv, extendEnv: false, buffer: false });
  let pending = '';
  child.all?.setEncoding('utf8');
  child.all?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  const res = await child;
  if (pending) onLine(pending);
  if (res.failed && res.exitCode === undefined) throw new MwwError('io', `could not run ESPHome (${res.shortMessage ?? 'unknown error'})`, { where: esphome });
  return res.exitCode ?? 1;
}
