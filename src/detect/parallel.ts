import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MwwError } from '../errors.js';
import type { TfliteModel } from '../tflite/model.js';
import { MicroInterpreter } from '../micro/interpreter.js';
import { scoreWav, type ScoredAudio } from './pipeline.js';

/**
 * Scoring many WAVs (hours of negatives for `mww eval`) on all cores: a pool of worker threads, each loading
 * the model once and taking the next file when it finishes one. Workers need the compiled module
 * (dist/detect/score_worker.js); when running from TypeScript sources (tests) or with one job, files are
 * scored in this thread.
 */

export interface ScoreJob {
  modelPath: string;
  vadModelPath?: string;
  model: TfliteModel;
  vadModel?: TfliteModel;
}

export interface WorkerRequest {
  index: number;
  file: string;
}
export type WorkerReply =
  | { index: number; ok: true; result: ScoredAudio }
  | { index: number; ok: false; error: { message: string; kind?: string; where?: string } };

export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

function workerUrl(): URL | undefined {
  const url = new URL('./score_worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) && import.meta.url.endsWith('.js') ? url : undefined;
}

/**
 * Below this much audio (about 8 minutes of 16-bit mono) starting workers (each loads and warms up the
 * runtime) costs more than it saves, so without an explicit job count the files are scored in this thread.
 */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

function totalBytes(files: string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += statSync(f).size;
    } catch {
      // missing files are reported by the scorer with a specific message
    }
  }
  return n;
}

export async function scoreFiles(files: string[], job: ScoreJob, opts: { jobs?: number; onDone?: (done: number) => void } = {}): Promise<ScoredAudio[]> {
  const wanted = opts.jobs ?? (totalBytes(files) >= PARALLEL_MIN_BYTES ? defaultJobs() : 1);
  const jobs = Math.min(wanted, files.length);
  const url = workerUrl();
  const results: ScoredAudio[] = new Array(files.length);
  let done = 0;
  if (jobs <= 1 || !url) {
    const ww = MicroInterpreter.create(job.model, { source: job.modelPath });
    const vad = job.vadModel ? MicroInterpreter.create(job.vadModel, { source: job.vadModelPath }) : undefined;
    for (let i = 0; i < files.length; i++) {
      results[i] = await scoreWav(files[i]!, ww, vad);
      opts.onDone?.(++done);
    }
    return results;
  }

  let next = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      let running = 0;
      const feed = (w: Worker): void => {
        if (failed) return;
        if (next >= files.length) {
          if (running === 0) resolve();
          return;
        }
        const index = next++;
        running++;
        w.postMessage({ index, file: files[index]! } satisfies WorkerRequest);
      };
      for (let k = 0; k < jobs; k++) {
        const w = new Worker(url, { workerData: { modelPath: job.modelPath, vadModelPath: job.vadModelPath } });
        workers.push(w);
        w.on('message', (msg: WorkerReply) => {
          running--;
          if (!msg.ok) {
            failed = true;
            reject(new MwwError((msg.error.kind as never) ?? 'input', msg.error.message.replace(msg.error.where ? `${msg.error.where}: ` : '', ''), { where: msg.error.where }));
            return;
          }
          results[msg.index] = msg.result;
          opts.onDone?.(++done);
          feed(w);
          if (next >= files.length && running === 0) resolve();
        });
        w.on('error', (e) => {
          failed = true;
          reject(e);
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
