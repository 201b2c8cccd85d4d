import { MwwError } from '../../errors.js';

/**
 * Turn what the OS/serialport says when a port will not open into a message a user can act on. serialport
 * reports errno text ("No such file or directory, cannot open …", "Resource temporarily unavailable Cannot
 * lock port", "Permission denied, cannot open …"); the mock binding has its own wording.
 */
export function openError(path: string, e: unknown): MwwError {
  const msg = (e as Error)?.message ?? String(e);
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || /No such file or directory|does not exist|no such port/i.test(msg)) {
    return new MwwError('io', `no such port: ${path} (is the board plugged in? \`mww flash --list\` shows the serial ports)`, { details: { reason: 'no-such-port' }, cause: e });
  }
  if (code === 'EBUSY' || /Cannot lock port|Resource temporarily unavailable|locked|busy/i.test(msg)) {
    return new MwwError('io', `port ${path} is busy: another program has it open (close serial monitors, ESPHome logs, other mww/esptool runs)`, { details: { reason: 'busy' }, cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM' || /Permission denied|Operation not permitted/i.test(msg)) {
    return new MwwError('io', `permission denied opening ${path}: add your user to the group that owns it (usually \`sudo usermod -aG dialout $USER\`, then log in again)`, { details: { reason: 'permission-denied' }, cause: e });
  }
  if (/Is a directory/i.test(msg)) return new MwwError('io', `${path} is a directory, not a serial port`, { details: { reason: 'not-a-port' }, cause: e });
  if (/Inappropriate ioctl/i.test(msg)) return new MwwError('io', `${path} is not a serial port (it does not accept serial settings)`, { details: { reason: 'not-a-port' }, cause: e });
  return new MwwError('io', `cannot open ${path}: ${msg}`, { details: { reason: 'open-failed' }, cause: e });
}
