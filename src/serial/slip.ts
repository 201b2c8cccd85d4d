import { STUB_BLOCK } from './protocol.js';

/** SLIP framing as used by the ESP ROM loader: 0xC0 delimits frames; 0xC0 → DB DC, 0xDB → DB DD inside. */
export const SLIP_END = 0xc0;
const SLIP_ESC = 0xdb;
const SLIP_ESC_END = 0xdc;
const SLIP_ESC_ESC = 0xdd;

export function slipEncode(payload: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of payload) if (b === SLIP_END || b === SLIP_ESC) extra++;
  const out = new Uint8Array(payload.length + extra + 2);
  let j = 0;
  out[j++] = SLIP_END;
  for (const b of payload) {
    if (b === SLIP_END) {
      out[j++] = SLIP_ESC;
      out[j++] = SLIP_ESC_END;
    } else if (b === SLIP_ESC) {
      out[j++] = SLIP_ESC;
      out[j++] = SLIP_ESC_ESC;
    } else out[j++] = b;
  }
  out[j++] = SLIP_END;
  return out;
}

/**
 * Incremental decoder. Bytes outside frames are not protocol data (ROM banners, app logs) and are handed to
 * `onText`, so the flasher can tell "the board booted the app instead of the loader" from "no answer".
 * A frame with an invalid escape is dropped (it was corrupted on the line).
 */
export class SlipDecoder {
  private inFrame = false;
  private escaped = false;
  private bad = false;
  private buf: number[] = [];

  constructor(
    private readonly onFrame: (frame: Uint8Array) => void,
    private readonly onText: (bytes: Uint8Array) => void = () => {},
  ) {}

  push(chunk: Uint8Array): void {
    let text: number[] | null = null;
    for (const b of chunk) {
      if (!this.inFrame) {
        if (b === SLIP_END) {
          this.inFrame = true;
          this.buf = [];
          this.escaped = false;
          this.bad = false;
        } else (text ??= []).push(b);
        continue;
      }
      if (b === SLIP_END) {
        // Two END bytes in a row: the first ended nothing (empty frame) — treat the second as a new start.
        if (this.buf.length === 0 && !this.bad) continue;
        const frame = Uint8Array.from(this.buf);
        const ok = !this.bad && !this.escaped;
        this.inFrame = false;
        this.buf = [];
        if (ok) this.onFrame(frame);
        continue;
      }
      if (this.escaped) {
        this.escaped = false;
        if (b === SLIP_ESC_END) this.buf.push(SLIP_END);
        else if (b === SLIP_ESC_ESC) this.buf.push(SLIP_ESC);
        else this.bad = true;
      } else if (b === SLIP_ESC) this.escaped = true;
      else this.buf.push(b);
      // A frame longer than any loader packet means we lost an END byte: resynchronise.
      if (this.buf.length > STUB_BLOCK + 64) {
        this.inFrame = false;
        this.buf = [];
      }
    }
    if (text) this.onText(Uint8Array.from(text));
  }
}
