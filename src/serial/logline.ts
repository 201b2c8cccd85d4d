/** ESPHome log lines: `[L][tag:line]: message` after ANSI colours are stripped (esphome-contract.md). */
export type LogLevel = 'E' | 'W' | 'I' | 'C' | 'D' | 'V' | 'VV';

export interface LogLine {
  /** The line without ANSI escapes and line ending. */
  text: string;
  level?: LogLevel;
  tag?: string;
  message: string;
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, '');
}

// Optional task name in brackets before the colon: `[I][app:029][loopTask]: message`.
const LINE_RE = /^\[(E|W|I|C|D|V|VV)\]\[([^\]:]+)(?::\d+)?\](?:\[[^\]]*\])?:\s?(.*)$/;

export function parseLogLine(raw: string): LogLine {
  const text = stripAnsi(raw).replace(/[\r\n]+$/, '');
  const m = LINE_RE.exec(text);
  if (!m) return { text, message: text };
  return { text, level: m[1] as LogLevel, tag: m[2]!, message: m[3]! };
}

/** Splits a byte stream into text lines (CR, LF or CRLF); keeps the unfinished tail for the next chunk. */
export class LineSplitter {
  private tail = '';
  push(chunk: Uint8Array): string[] {
    const s = this.tail + Buffer.from(chunk).toString('latin1');
    const parts = s.split(/\r\n|\n|\r/);
    this.tail = parts.pop() ?? '';
    return parts;
  }
  /** The unfinished line, if any (at the end of a read). */
  flush(): string[] {
    const t = this.tail;
    this.tail = '';
    return t ? [t] : [];
  }
}
