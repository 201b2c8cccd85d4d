import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeShared, sharedPath } from '../helpers/shared.js';
import { MwwError } from '../../src/errors.js';
import { readModel } from '../../src/tflite/reader.js';
import { readModelFile } from '../../src/tflite/file.js';
import { writeModel } from '../../src/tflite/writer.js';
import { FlatView } from '../../src/tflite/flatview.js';
import type { TfliteModel } from '../../src/tflite/model.js';
import { mulberry32 } from '../../src/util/prng.js';

/** The MwwError readModel throws for these bytes (fails the test if it does not throw one). */
function errorOf(bytes: Uint8Array, source = 'm.tflite'): MwwError {
  try {
    readModel(bytes, source);
  } catch (e) {
    if (!(e instanceof MwwError)) throw new Error(`expected an MwwError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected readModel to throw');
}


const modelBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(sharedPath('models', name)));

/** Edits a decoded model, writes it, and returns the error reading it back gives. */
function errorAfterEdit(edit: (m: TfliteModel) => void): MwwError {
  const m = readModel(modelBytes('okay_nabu.tflite'));
  edit(m);
  return errorOf(writeModel(m), 'okay.tflite');
}

describe('readModel: header', () => {
  it('rejects an empty input', () => {
    const e = errorOf(new Uint8Array(0));
    expect(e.kind).toBe('input');
    expect(e.message).toBe('m.tflite: empty file (0 bytes), expected a TFLite model');
  });

  it('rejects 7 bytes as shorter than the header', () => {
    expect(errorOf(new Uint8Array(7)).message).toBe('m.tflite: file is 7 bytes, shorter than the 8-byte TFLite FlatBuffer header');
  });

  it('rejects a wrong file identifier, printable or not', () => {
    const bytes = new Uint8Array(64);
    bytes.set([0x54, 0x46, 0x4c, 0x32], 4); // "TFL2"
    expect(errorOf(bytes).message).toBe('m.tflite: not a TFLite model: file identifier (bytes 4-7) is "TFL2", expected "TFL3"');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    expect(errorOf(png).message).toBe('m.tflite: not a TFLite model: file identifier (bytes 4-7) is 0d 0a 1a 0a, expected "TFL3"');
  });

  it('names the source, and uses "model" when none is given', () => {
    expect(() => readModel(new Uint8Array(0))).toThrow(/^model: empty file/);
  });
});

describeShared('readModel: malformed structure', () => {
  it('rejects a root offset past the end', () => {
    const bytes = modelBytes('vad.tflite');
    new DataView(bytes.buffer).setUint32(0, 0x7fff0000, true);
    const e = errorOf(bytes);
    expect(e.kind).toBe('input');
    expect(e.message).toMatch(/^m\.tflite: header: root table offset: offset points to byte \d+, past the end of the file \(34328 bytes\)/);
  });

  it('rejects a vector length running past the end (subgraphs)', () => {
    const bytes = modelBytes('vad.tflite');
    const v = new FlatView(bytes, 'x');
    const root = v.table(v.deref(0, '', ''), 'model');
    const subgraphs = v.fieldRef(root, 2, 'subgraphs');
    new DataView(bytes.buffer).setUint32(subgraphs, 1_000_000, true);
    expect(errorOf(bytes).message).toMatch(/^m\.tflite: model: field 'subgraphs': vector of 1000000 elements .* runs past the end of the file/);
  });

  it('rejects a vtable outside the file', () => {
    const bytes = modelBytes('vad.tflite');
    const v = new FlatView(bytes, 'x');
    const rootPos = v.deref(0, '', '');
    new DataView(bytes.buffer).setInt32(rootPos, rootPos + 100, true); // vtable = pos - soffset < 0
    expect(errorOf(bytes).message).toMatch(/^m\.tflite: model: table at byte \d+ has its vtable at byte -100, outside the file/);
  });

  it('gives a specific error for every truncation of a model, and a truncation error at several lengths', () => {
    const full = modelBytes('vad.tflite');
    for (const n of [8, 12, 100, 1000, full.length >> 1, full.length - 100]) {
      const e = errorOf(full.subarray(0, n));
      expect(e.kind).toBe('input');
      expect(e.message, `prefix ${n}`).toMatch(/truncated or corrupt|runs past the end|does not fit|outside the file/);
    }
    let failures = 0;
    for (let n = 0; n < full.length; n++) {
      try {
        readModel(full.subarray(0, n), 'prefix');
      } catch (e) {
        if (!(e instanceof MwwError) || /unexpected/.test(e.message)) throw new Error(`prefix ${n}: ${String(e)}`);
        failures++;
      }
    }
    // Only trailing padding may be cut without harm.
    expect(failures).toBeGreaterThan(full.length - 16);
  });

  it('never throws anything but a specific MwwError for random byte flips (fixed seed)', () => {
    const full = modelBytes('vad.tflite');
    const rnd = mulberry32(0x7f113);
    let rejected = 0;
    for (let k = 0; k < 1000; k++) {
      const c = full.slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let j = 0; j < flips; j++) c[Math.floor(rnd() * c.length)] = Math.floor(rnd() * 256);
      try {
        readModel(c, 'flip');
      } catch (e) {
        // "unexpected" marks readModel's last-resort net: a gap in the explicit checks.
        if (!(e instanceof MwwError) || /unexpected/.test(e.message)) throw new Error(`case ${k}: ${String(e)}`);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(50);
  });
});

describeShared('readModel: references out of range', () => {
  it('names operator and tensor for an input tensor index out of range', () => {
    const e = errorAfterEdit((m) => {
      m.subgraphs[0]!.operators[17]!.inputs[0] = 212;
    });
    expect(e.kind).toBe('input');
    expect(e.where).toBe('okay.tflite: subgraph 0, operator 17');
    expect(e.message).toBe('okay.tflite: subgraph 0, operator 17: input tensor index 212 out of range (94 tensors)');
  });

  it('rejects an output tensor index out of range, but accepts -1 for an omitted input', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[1]!.operators[0]!.outputs[0] = -1;
      }).message,
    ).toBe('okay.tflite: subgraph 1, operator 0: output tensor index -1 out of range (12 tensors)');
    const m = readModel(modelBytes('okay_nabu.tflite'));
    m.subgraphs[0]!.operators[52]!.inputs[2] = -1; // FULLY_CONNECTED without bias
    expect(readModel(writeModel(m)).subgraphs[0]!.operators[52]!.inputs).toEqual([90, 21, -1]);
  });

  it('rejects an opcode index out of range', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.operators[5]!.opcodeIndex = 99;
      }).message,
    ).toBe('okay.tflite: subgraph 0, operator 5: opcode index 99 out of range (13 operator codes)');
  });

  it('rejects subgraph input/output indices out of range', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.outputs = [94];
      }).message,
    ).toBe('okay.tflite: subgraph 0: output tensor index 94 out of range (94 tensors)');
  });

  it('rejects a buffer index out of range', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.tensors[3]!.buffer = 500;
      }).message,
    ).toMatch(/^okay\.tflite: subgraph 0, tensor 3 \('[^']+'\): buffer index 500 out of range \(109 buffers\)$/);
  });

  it('rejects a CALL_ONCE init subgraph out of range', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.operators[0]!.builtinOptions = { kind: 'CallOnceOptions', initSubgraphIndex: 2 };
      }).message,
    ).toBe('okay.tflite: subgraph 0, operator 0: CALL_ONCE init_subgraph_index 2 out of range (2 subgraphs)');
  });

  it('rejects metadata and signature references out of range', () => {
    expect(
      errorAfterEdit((m) => {
        m.metadata[0]!.buffer = 109;
      }).message,
    ).toBe("okay.tflite: metadata 0 ('min_runtime_version'): buffer index 109 out of range (109 buffers)");
    expect(
      errorAfterEdit((m) => {
        m.signatureDefs[0]!.outputs[0]!.tensorIndex = 94;
      }).message,
    ).toBe("okay.tflite: signature 0 ('serving_default'): output 'dense' tensor index 94 out of range (94 tensors in subgraph 0)");
  });
});

describeShared('readModel: tensor contents', () => {
  it('rejects a negative dimension in shape, allows -1 in shape_signature', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.tensors[0]!.shape = [1, -3, 40];
      }).message,
    ).toMatch(/subgraph 0, tensor 0 \('[^']+'\): shape \[1, -3, 40\] has a negative dimension -3 at axis 1$/);
    const m = readModel(modelBytes('okay_nabu.tflite'));
    m.subgraphs[0]!.tensors[0]!.shapeSignature = [-1, 3, 40];
    expect(readModel(writeModel(m)).subgraphs[0]!.tensors[0]!.shapeSignature).toEqual([-1, 3, 40]);
    expect(
      errorAfterEdit((mm) => {
        mm.subgraphs[0]!.tensors[0]!.shapeSignature = [-2, 3, 40];
      }).message,
    ).toMatch(/shape_signature \[-2, 3, 40\] has an invalid dimension -2 at axis 0$/);
  });

  it('rejects a scale / zero-point length mismatch', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.tensors[0]!.quantization!.zeroPoint = [-128, -128];
      }).message,
    ).toMatch(/subgraph 0, tensor 0 \('[^']+'\): quantization has 1 scales but 2 zero points$/);
  });

  it('rejects per-channel scales that do not match the quantized dimension', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.tensors[43]!.quantization!.quantizedDimension = 3; // [32,5,1,40] has 40 on axis 3
      }).message,
    ).toMatch(/subgraph 0, tensor 43 \('[^']+'\): per-channel quantization has 32 scales, but axis 3 of shape \[32, 5, 1, 40\] has 40 channels$/);
  });

  it('rejects a constant buffer whose size does not match the shape', () => {
    expect(
      errorAfterEdit((m) => {
        m.subgraphs[0]!.tensors[43]!.shape = [32, 5, 1, 39];
        m.subgraphs[0]!.tensors[43]!.quantization!.quantizedDimension = 0;
      }).message,
    ).toMatch(/subgraph 0, tensor 43 \('[^']+'\): buffer \d+ holds 6400 bytes, but shape \[32, 5, 1, 39\] of INT8 needs 6240$/);
  });
});

describeShared('readModel: operator codes and unknown options', () => {
  /** Position of `field` of the first table in vector field `vectorId` of subgraph 0 / the root. */
  function locate(bytes: Uint8Array, pick: (v: FlatView) => number): number {
    return pick(new FlatView(bytes, 'x'));
  }

  it('uses max(deprecated_builtin_code, builtin_code), reading old files that only set the int8 code', () => {
    const bytes = writeModel(readModel(modelBytes('okay_nabu.tflite')));
    // Zero the int32 builtin_code of every operator code: old-schema files have only deprecated_builtin_code.
    const v = new FlatView(bytes, 'x');
    const root = v.table(v.deref(0, '', ''), 'model');
    const codes = v.fieldTables(root, 1, 'operator_codes', () => 'oc');
    const before = readModel(bytes).operatorCodes.map((c) => c.builtinCode);
    for (const t of codes) {
      const p = v.field(t, 3, 4, 'builtin_code');
      if (p !== 0 && v.i32(p) < 127) new DataView(bytes.buffer, bytes.byteOffset).setInt32(p, 0, true);
    }
    expect(readModel(bytes).operatorCodes.map((c) => c.builtinCode)).toEqual(before);
    expect(before).toContain(142); // VAR_HANDLE only in builtin_code (deprecated holds 127)
  });

  it('reads an operator with an options type it does not model as builtinOptions null', () => {
    const bytes = writeModel(readModel(modelBytes('okay_nabu.tflite')));
    const pos = locate(bytes, (v) => {
      const root = v.table(v.deref(0, '', ''), 'model');
      const sg = v.fieldTables(root, 2, 'subgraphs', () => 'sg')[0]!;
      const op17 = v.fieldTables(sg, 3, 'operators', () => 'op')[17]!;
      return v.field(op17, 3, 1, 'builtin_options_type');
    });
    bytes[pos] = 9; // SoftmaxOptions
    const m = readModel(bytes);
    expect(m.subgraphs[0]!.operators[17]!.builtinOptions).toBeNull();
  });
});

describe('readModelFile: file errors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mww-tflite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects a directory', async () => {
    const sub = path.join(dir, 'model.tflite');
    mkdirSync(sub);
    await expect(readModelFile(sub)).rejects.toThrow(`${sub}: expected a TFLite model file, found a directory`);
  });

  it('rejects a missing file', async () => {
    const p = path.join(dir, 'missing.tflite');
    await expect(readModelFile(p)).rejects.toMatchObject({ kind: 'input', message: `${p}: TFLite model not found` });
  });

  it('rejects an empty file', async () => {
    const p = path.join(dir, 'empty.tflite');
    writeFileSync(p, '');
    await expect(readModelFile(p)).rejects.toThrow(`${p}: TFLite model is empty (0 bytes)`);
  });

  it('names the path in format errors', async () => {
    const p = path.join(dir, 'text.tflite');
    writeFileSync(p, 'hello, this is not a model');
    await expect(readModelFile(p)).rejects.toThrow(`${p}: not a TFLite model: file identifier (bytes 4-7) is "o, t", expected "TFL3"`);
  });
});
