/** USB identity of a port (hex strings without 0x, lower case, as serialport reports them). */
export interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
}

export interface Signals {
  dtr: boolean;
  rts: boolean;
}

/**
 * A serial port as the flasher and the monitor use it. Implemented over `serialport` (real devices, pseudo
 * terminals, @serialport/binding-mock) and by the in-process link to the virtual board.
 */
export interface SerialTransport {
  readonly info: PortInfo;
  readonly baudRate: number;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  /** Subscribe to received bytes; returns the unsubscribe function. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Called once when the port goes away without close() (unplugged, board re-enumerated). */
  onDisconnect(listener: (reason: string) => void): () => void;
  /**
   * Set DTR and/or RTS. Both lines are remembered and always sent together, because serialport's set()
   * resets any line it is not given. Throws an MwwError('io') when the port has no modem lines.
   */
  setSignals(signals: Partial<Signals>): Promise<void>;
  setBaudRate(baud: number): Promise<void>;
}

/** USB-Serial-JTAG of the ESP32-S3 (and C3/C6): its own reset handling, logs of S3 apps by default. */
export function isUsbSerialJtag(info: PortInfo): boolean {
  return info.vendorId?.toLowerCase() === '303a' && info.productId?.toLowerCase() === '1001';
}
