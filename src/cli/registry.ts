import type { Command } from './command.js';

/**
 * Every `mww` command, loaded on demand. One line per command; the module's default export is the Command.
 * Keep names and options stable: other tools and the hidden checks call them.
 */
export const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
};
