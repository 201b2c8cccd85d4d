import { describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { loadDetectorModel } from '../../src/detect/pipeline.js';
import { hilFile } from '../../src/hil/run.js';
import { HilSession } from '../../src/hil/session.js';
import { openPort } from '../../src/serial/transport/open.js';

/**
 * The same bit-exactness cases as board.test.ts, against a real board running the test-mode firmware
 * (firmware/components/mww_hil, README there) with okay_nabu and/or hey_jarvis: set MWW_HIL_PORT (and
 * MWW_HIL_BAUD if not 921600). Perturbation and fault injection need the virtual board and are not repeated.
 */
const PORT = process.env.MWW_HIL_PORT;
const BAUD = Number(process.env.MWW_HIL_BAUD ?? 921600);
const WAVS = ['okay_nabu', 'hey_jarvis', 'negative', 'silence'];

if (!PORT) {
  describe('mww hil against a real board', () => {
    it.skip('SKIPPED: MWW_HIL_PORT is not set (no board attached); flash the mww_hil test-mode build and set MWW_HIL_PORT=/dev/ttyUSB0 to run these cases', () => {});
  });
} else {
  describeShared(`mww hil against the real board on ${PORT}`, () => {
    for (const model of ['okay_nabu', 'hey_jarvis']) {
      it(`${model}: bit-exact on every golden WAV`, async () => {
        const link = await openPort(PORT, { baudRate: BAUD });
        try {
          const session = new HilSession(link, { timeoutMs: 1000 });
          const caps = await session.hello();
          const index = caps.models.indexOf(model);
          if (index < 0) throw new Error(`the board on ${PORT} runs ${caps.models.join(', ')}, not ${model}: flash a test build with both shared models`);
          const detector = await loadDetectorModel(sharedPath('models', `${model}.json`));
          for (const wav of WAVS) {
            const r = await hilFile(sharedPath('golden', 'audio', `${wav}.wav`), { session, detector, esphome: '2025', deviceModel: index });
            expect(r.bitExact, `${wav}: first divergence ${JSON.stringify(r.firstDivergence)}`).toBe(true);
            expect(r.detections.same, `${wav}: detections ${JSON.stringify(r.detections.pairs)}`).toBe(true);
          }
          session.close();
        } finally {
          await link.close().catch(() => {});
        }
      }, 120_000);
    }
  });
}
