import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256: how the glue's identity line names each model (docs/device-log.md). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
