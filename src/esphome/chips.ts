/**
 * GPIO facts per chip that board validation needs (ESP32 and ESP32-S3 datasheets; summarised in
 * ../shared/docs/boards.md). `Chip` is the arena calculator's.
 */
import type { Chip } from '../micro/arena/targets.js';

export type { Chip };

export interface ChipInfo {
  label: string;
  gpios: ReadonlySet<number>;
  /** Connected to the SPI flash on modules: never usable. */
  flashPins: ReadonlySet<number>;
  inputOnly: ReadonlySet<number>;
  psramPins(mode: 'quad' | 'octal'): ReadonlySet<number>;
  octalPsram: boolean;
  /** I2S peripheral can receive PDM (I2S0 on both chips). */
  /**
   * `logger: hardware_uart` values ESPHome accepts for the chip (UART_SELECTION_ESP32 in
   * esphome/components/logger/__init__.py, unchanged from 2024 to 2026).
   */
  loggerUarts: readonly string[];
  /** UART0's default TX/RX pins (IO MUX), where the mww_hil test mode's frames and the logger run. */
  uart0: { tx: number; rx: number };
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export const CHIPS: Record<Chip, ChipInfo> = {
  esp32: {
    label: 'ESP32',
    // GPIO20, 24 and 28-31 are not bonded out.
    gpios: new Set(range(0, 39).filter((n) => n !== 20 && n !== 24 && !(n >= 28 && n <= 31))),
    flashPins: new Set(range(6, 11)),
    inputOnly: new Set(range(34, 39)),
    // WROVER modules wire the PSRAM clock/CS to GPIO16/17.
    psramPins: () => new Set([16, 17]),
    octalPsram: false,
    loggerUarts: ['UART0', 'UART1', 'UART2'],
    uart0: { tx: 1, rx: 3 },
  },
  esp32s3: {
    label: 'ESP32-S3',
    gpios: new Set(range(0, 48).filter((n) => !(n >= 22 && n <= 25))),
    flashPins: new Set(range(26, 32)),
    inputOnly: new Set<number>(),
    psramPins: (mode) => (mode === 'octal' ? new Set(range(33, 37)) : new Set<number>()),
    octalPsram: true,
    loggerUarts: ['UART0', 'UART1', 'USB_CDC', 'USB_SERIAL_JTAG'],
    uart0: { tx: 43, rx: 44 },
  },
};

export function isChip(v: unknown): v is Chip {
  return v === 'esp32' || v === 'esp32s3';
}
