import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MwwError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { BOARD_ID, parseBoard, type Board } from './board-schema.js';

/** The board files shipped with mww. */
export const BOARDS_DIR = path.join(PACKAGE_ROOT, 'boards');

function parseBoardText(text: string, file: string): Board {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new MwwError('input', `not valid YAML: ${(e as Error).message.split('\n')[0]}`, { where: file });
  }
  return parseBoard(raw, file);
}

/** Every built-in board, sorted by id. */
export function listBoards(): Board[] {
  return readdirSync(BOARDS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = path.join(BOARDS_DIR, f);
      const board = parseBoardText(readFileSync(file, 'utf8'), file);
      if (`${board.id}.yaml` !== f) throw new MwwError('input', `id '${board.id}' must match the file name`, { where: `${file}: id` });
      return board;
    });
}

/** Does a `--board` / `board:` value name a board file (ends in .yaml/.yml or has a slash) rather than a built-in id? */
export function isBoardPath(idOrPath: string): boolean {
  return /\.ya?ml$/i.test(idOrPath) || idOrPath.includes('/') || idOrPath.includes(path.sep);
}

/** A built-in board by id, or a board file by path (see isBoardPath). */
export function loadBoard(idOrPath: string): Board {
  if (isBoardPath(idOrPath)) {
    if (!existsSync(idOrPath)) throw new MwwError('input', 'board file not found', { where: idOrPath });
    return parseBoardText(readFileSync(idOrPath, 'utf8'), idOrPath);
  }
  const file = path.join(BOARDS_DIR, `${idOrPath}.yaml`);
  if (!BOARD_ID.test(idOrPath) || !existsSync(file)) {
    const ids = readdirSync(BOARDS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
    throw new MwwError('input', `unknown board '${idOrPath}'. Known boards: ${ids.join(', ')} (or give a path to a board .yaml file; see \`mww boards\`)`);
  }
  return parseBoardText(readFileSync(file, 'utf8'), file);
}
