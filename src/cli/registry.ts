import type { Command } from './command.js';

/**
 * Every `mww` command, loaded on demand, in pipeline order (the order `mww --help` lists them).
 * One line per command; the module's default export is the Command.
 * Keep names and options stable: other tools and the hidden checks call them.
 */
export const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  convert: () => import('./commands/convert.js'),
  inspect: () => import('./commands/inspect.js'),
  infer: () => import('./commands/infer.js'),
  features: () => import('./commands/features.js'),
  test: () => import('./commands/test.js'),
  eval: () => import('./commands/eval.js'),
  manifest: () => import('./commands/manifest.js'),
  boards: () => import('./commands/boards.js'),
  init: () => import('./commands/init.js'),
  build: () => import('./commands/build.js'),
  flash: () => import('./commands/flash.js'),
  monitor: () => import('./commands/monitor.js'),
  sim: () => import('./commands/sim.js'),
  hil: () => import('./commands/hil.js'),
};
