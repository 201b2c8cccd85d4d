import { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../src/tflite/reader.js';
import { FlatView } from '../../src/tflite/flatview.js';
import { TensorType } from '../../src/tflite/model.js';

/**
 * A minimal model in the "large model" layout (schema 3c): buffer 1 has no `data` vector but an absolute file
 * `offset` and a `size`, its bytes stored after the FlatBuffer. Built with the flatbuffers Builder directly,
 * independent of writeModel.
 */
function largeLayoutModel(data: Uint8Array, sizeOverride?: number): Uint8Array {
  const b = new Builder(256);
  const PLACEHOLDER = 0x0123456789abn;
  b.startObject(3);
  b.addFieldInt64(1, PLACEHOLDER, 0n);
  b.addFieldInt64(2, BigInt(sizeOverride ?? data.length), 0n);
  const buf1 = b.endObject();
  b.startObject(3);
  const buf0 = b.endObject();
  b.startVector(4, 2, 4);
  b.addOffset(buf1);
  b.addOffset(buf0);
  const buffers = b.endVector();

  b.startVector(4, 1, 4);
  b.addInt32(data.length);
  const shape = b.endVector();
  const name = b.createString('weights');
  b.startObject(9);
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, TensorType.INT8, 0);
  b.addFieldInt32(2, 1, 0);
  b.addFieldOffset(3, name, 0);
  const tensor = b.endObject();
  b.startVector(4, 1, 4);
  b.addOffset(tensor);
  const tensors = b.endVector();
  b.startVector(4, 1, 4);
  b.addInt32(0);
  const outputs = b.endVector();
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(2, outputs, 0);
  const sg = b.endObject();
  b.startVector(4, 1, 4);
  b.addOffset(sg);
  const subgraphs = b.endVector();

  b.startObject(8);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  const fb = b.asUint8Array();

  const dataAt = Math.ceil(fb.length / 16) * 16;
  const file = new Uint8Array(dataAt + data.length);
  file.set(fb);
  file.set(data, dataAt);
  // Patch the placeholder offset now that the data position is known.
  const v = new FlatView(file, 'x');
  const root = v.table(v.deref(0, '', ''), 'model');
  const buffer1 = v.fieldTables(root, 4, 'buffers', () => 'b')[1]!;
  new DataView(file.buffer).setBigUint64(v.field(buffer1, 1, 8, 'offset'), BigInt(dataAt), true);
  return file;
}

describe('readModel: buffers stored outside the FlatBuffer (offset/size)', () => {
  it('reads the data from the file bytes', () => {
    const data = new Uint8Array([1, 2, 3, 4, 5, 250]);
    const m = readModel(largeLayoutModel(data), 'large.tflite');
    expect(m.buffers.length).toBe(2);
    expect(Array.from(m.buffers[1]!)).toEqual(Array.from(data));
    expect(m.subgraphs[0]!.tensors[0]!.shape).toEqual([6]);
  });

  it('rejects offset+size beyond the end of the file', () => {
    expect(() => readModel(largeLayoutModel(new Uint8Array(6), 7), 'large.tflite')).toThrow(
      /^large\.tflite: buffer 1: buffer data at offset \d+ \(7 bytes\) lies outside the file \(\d+ bytes\)$/,
    );
  });
});
