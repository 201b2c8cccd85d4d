/**
 * Worker thread for `scoreFiles`: prepares the model interpreter(s) once, then scores one WAV per request and
 * replies with the per-invoke outputs (typed arrays are transferred, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isMwwError } from '../errors.js';
import { MicroInterpreter } from '../micro/interpreter.js';
import { readModelFile } from '../tflite/file.js';
import { scoreWav } from './pipeline.js';
import type { WorkerReply, WorkerRequest } from './parallel.js';

const data = workerData as { modelPath: string; vadModelPath?: string };
const interpreter = async (file: string): Promise<MicroInterpreter> => MicroInterpreter.create((await readModelFile(file)).model, { source: file });
const ready = Promise.all([interpreter(data.modelPath), data.vadModelPath ? interpreter(data.vadModelPath) : undefined]);

parentPort!.on('message', async (req: WorkerRequest) => {
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const [ww, vad] = await ready;
    const scored = await scoreWav(req.file, ww, vad);
    // Copies we own, so transferring them can never detach a buffer the runtime still uses.
    const result = { ...scored, probabilities: scored.probabilities.slice(), vadProbabilities: scored.vadProbabilities?.slice() };
    transfer.push(result.probabilities.buffer as ArrayBuffer);
    if (result.vadProbabilities) transfer.push(result.vadProbabilities.buffer as ArrayBuffer);
    reply = { index: req.index, ok: true, result };
  } catch (e) {
    reply = isMwwError(e)
      ? { index: req.index, ok: false, error: { message: e.message, kind: e.kind, where: e.where } }
      : { index: req.index, ok: false, error: { message: `internal error while scoring ${req.file}: ${(e as Error)?.message ?? String(e)}` } };
  }
  parentPort!.postMessage(reply, transfer);
});
