import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/serial/clock.js';
import { createVirtualBoard, type FaultPlan } from '../../src/serial/sim/index.js';
import { buildTestApp } from '../../src/serial/images/index.js';
import { chipById } from '../../src/serial/chips/index.js';
import { flashRegions } from '../../src/serial/flash.js';
import { MwwError } from '../../src/errors.js';
import type { Direction, FaultKind } from '../../src/serial/sim/faults.js';

/** Clean, specific endings a faulty line may cause (anything else — or a wrong flash — fails the suite). */
const SPECIFIC = [
  /the board was disconnected while writing fw\.bin at 0x10000 \(after block \d+(\/\d+)?\): the flash is incomplete/,
  /the port disappeared \(.*\): the board was unplugged or reset/,
  /\/dev\/ttyVIRTUAL0: the port disappeared \(device unplugged or reset\)$/,
  /(writing block \d+\/\d+ of|erasing|reading the MD5 of) region 0x10000 \(\d+ bytes\) failed.*: (no answer to \w+ within \d+ ms|\w+ failed: .+)\. The flash is incomplete/,
  /MD5 mismatch after writing region 0x10000 .* twice: flash has [0-9a-f]+, expected [0-9a-f]+/,
  /no answer from a bootloader on \/dev\/ttyVIRTUAL0 at 115200 baud after \d+ resets/,
  /stopped answering after switching to \d+ baud/,
  /(READ_REG|SPI_ATTACH|SPI_SET_PARAMS|CHANGE_BAUDRATE) failed after 3 attempts: (no answer to \w+ within \d+ ms|\w+ failed: .+)/,
  /gave inconsistent chip identification three times/,
];

describe('fault injection: every run ends verified-correct or with a clean specific error', () => {
  const chips = ['esp32', 'esp32s3'] as const;
  const apps = Object.fromEntries(chips.map((c) => [c, buildTestApp({ chip: chipById(c), codeSize: 6000, seed: 3 })])) as Record<(typeof chips)[number], Uint8Array>;

  async function run(chip: (typeof chips)[number], faults: FaultPlan[]) {
    const clock = new VirtualClock();
    const v = createVirtualBoard({ chip, clock, faults, loadCheck: () => ({ ok: true }) });
    await v.link.open();
    const app = apps[chip];
    try {
      const r = await flashRegions(v.link, [{ offset: 0x10000, data: app, name: 'fw.bin' }], { clock, baud: 921600 });
      return { ok: true as const, r, correct: Buffer.from(v.board.flash.subarray(0x10000, 0x10000 + app.length)).equals(Buffer.from(app)), fired: v.link.faults.fired };
    } catch (e) {
      return { ok: false as const, e, fired: v.link.faults.fired };
    }
  }

  it('measures a clean run (baseline for where faults land)', async () => {
    const res = await run('esp32', []);
    expect(res.ok && res.correct).toBe(true);
  });

  it('240 runs across corrupt / drop / stall / disconnect, both directions, both chips', async () => {
    // Traffic of a clean run, to spread fault positions over the whole session (sync, detect, baud, data, MD5).
    const span: Record<Direction, number> = { 'to-device': 0, 'from-device': 0 };
    {
      const clock = new VirtualClock();
      const v = createVirtualBoard({ chip: 'esp32s3', clock, loadCheck: () => ({ ok: true }), faults: [{ kind: 'corrupt', direction: 'to-device', after: 1e12 }] });
      let received = 0;
      v.link.onData((c) => (received += c.length));
      await v.link.open();
      await flashRegions(v.link, [{ offset: 0x10000, data: apps.esp32s3, name: 'fw.bin' }], { clock, baud: 921600 });
      span['to-device'] = v.link.bytesWritten;
      // Measured, not assumed: the app's boot log after the hard reset starts only once EN has risen (after
      // flashRegions returns), so it is not part of the session.
      span['from-device'] = received;
    }
    const kinds: FaultKind[] = ['corrupt', 'drop', 'stall', 'disconnect'];
    const tally: Record<string, { ok: number; error: number }> = {};
    let runs = 0;
    let disturbed = 0;
    for (let i = 0; i < 240; i++) {
      const kind = kinds[i % 4]!;
      const direction: Direction = Math.floor(i / 4) % 2 ? 'from-device' : 'to-device';
      const chip = chips[Math.floor(i / 8) % 2]!;
      const slot = Math.floor(i / 16);
      const after = Math.floor(((slot + 0.37) / 15) * span[direction]);
      const plan: FaultPlan = {
        kind,
        direction,
        after,
        count: 1 + (i % 3),
        every: 7 + (i % 50),
        mask: 1 + (i % 254),
        stallMs: [400, 2500, 12000, Infinity][slot % 4],
      };
      const res = await run(chip, [plan]);
      runs++;
      if (res.fired > 0) disturbed++;
      const key = `${kind}/${direction}`;
      tally[key] ??= { ok: 0, error: 0 };
      if (res.ok) {
        // Never a silently wrong flash: success means the bytes in flash are the image's.
        expect(res.correct, `run ${i} ${JSON.stringify(plan)} reported success but flash differs`).toBe(true);
        tally[key].ok++;
      } else {
        const e = res.e as Error;
        expect(e, `run ${i} ${JSON.stringify(plan)}: ${e?.stack}`).toBeInstanceOf(MwwError);
        expect(SPECIFIC.some((re) => re.test(e.message)), `run ${i} ${JSON.stringify(plan)}: unexpected message: ${e.message}`).toBe(true);
        tally[key].error++;
      }
    }
    expect(runs).toBeGreaterThanOrEqual(200);
    expect(disturbed).toBeGreaterThanOrEqual(200); // the fault really hit the session
    // The suite must exercise both endings: faults the flasher recovers from, and faults it reports.
    const all = Object.values(tally).reduce((a, t) => ({ ok: a.ok + t.ok, error: a.error + t.error }), { ok: 0, error: 0 });
    expect(all.ok).toBeGreaterThan(20);
    expect(all.error).toBeGreaterThan(20);
    expect(tally['disconnect/to-device']!.ok).toBeLessThan(tally['disconnect/to-device']!.error + tally['disconnect/to-device']!.ok);
    console.log('fault suite outcomes', JSON.stringify(tally));
  });
});
