/**
 * A bounds-checked, read-only view of a FlatBuffer. Every offset, vtable, vector length and string is checked
 * against the buffer before it is read, so a malformed or truncated file ends in a specific MwwError naming the
 * place, never in a RangeError or a silent read past the end.
 *
 * FlatBuffer layout facts used here (flatbuffers "internals" doc): a table starts with an int32 soffset to its
 * vtable (vtable = table − soffset); a vtable is uint16 [vtable size, table size, field offsets…], a field offset
 * of 0 means "absent, use the default"; offsets to sub-objects are uint32 relative to where they are stored;
 * vectors and strings are a uint32 length followed by the elements (strings also by a 0 byte).
 */
import { MwwError } from '../errors.js';

export interface FbTable {
  /** Absolute position of the table (its soffset). */
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly objectSize: number;
  /** Human location for error messages, e.g. "subgraph 0, tensor 12". */
  readonly where: string;
}

export interface FbVector {
  /** Absolute position of the first element. */
  readonly start: number;
  readonly length: number;
}

const utf8 = new TextDecoder('utf-8');

export class FlatView {
  readonly bytes: Uint8Array;
  readonly size: number;
  private readonly dv: DataView;

  constructor(bytes: Uint8Array, readonly source: string) {
    this.bytes = bytes;
    this.size = bytes.byteLength;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(where: string, message: string): never {
    throw new MwwError('input', message, { where: where ? `${this.source}: ${where}` : this.source });
  }

  /** Checks that [pos, pos+len) lies inside the buffer. */
  need(pos: number, len: number, where: string, what: string): void {
    if (!(pos >= 0) || !(len >= 0) || pos + len > this.size) {
      this.fail(
        where,
        `${what} at byte ${pos} (${len} bytes) lies outside the file (${this.size} bytes); the file is truncated or corrupt`,
      );
    }
  }

  // Raw reads: callers have checked the range.
  u8(pos: number): number {
    return this.dv.getUint8(pos);
  }
  i8(pos: number): number {
    return this.dv.getInt8(pos);
  }
  u16(pos: number): number {
    return this.dv.getUint16(pos, true);
  }
  i32(pos: number): number {
    return this.dv.getInt32(pos, true);
  }
  u32(pos: number): number {
    return this.dv.getUint32(pos, true);
  }
  f32(pos: number): number {
    return this.dv.getFloat32(pos, true);
  }
  i64(pos: number): bigint {
    return this.dv.getBigInt64(pos, true);
  }
  u64(pos: number): bigint {
    return this.dv.getBigUint64(pos, true);
  }

  /** Follows a uoffset stored at `pos` (already range-checked for 4 bytes). */
  deref(pos: number, where: string, what: string): number {
    const target = pos + this.u32(pos);
    if (target >= this.size) {
      this.fail(where, `${what}: offset points to byte ${target}, past the end of the file (${this.size} bytes); the file is truncated or corrupt`);
    }
    return target;
  }

  /** Opens the table at absolute position `pos`, checking its vtable. */
  table(pos: number, where: string): FbTable {
    this.need(pos, 4, where, 'table');
    const vtable = pos - this.i32(pos);
    if (vtable < 0 || vtable + 4 > this.size) {
      this.fail(where, `table at byte ${pos} has its vtable at byte ${vtable}, outside the file (${this.size} bytes)`);
    }
    const vtableSize = this.u16(vtable);
    const objectSize = this.u16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtable + vtableSize > this.size) {
      this.fail(where, `vtable at byte ${vtable} has an invalid size ${vtableSize} (file ${this.size} bytes)`);
    }
    if (objectSize < 4 || pos + objectSize > this.size) {
      this.fail(where, `table at byte ${pos} claims ${objectSize} bytes, running past the end of the file (${this.size} bytes)`);
    }
    return { pos, vtable, vtableSize, objectSize, where };
  }

  /** Absolute position of field `id` holding `width` bytes, or 0 when the field is absent. */
  field(t: FbTable, id: number, width: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > t.vtableSize) return 0;
    const off = this.u16(t.vtable + slot);
    if (off === 0) return 0;
    if (off < 4 || off + width > t.objectSize) {
      this.fail(t.where, `field '${name}' at offset ${off} does not fit its table (${t.objectSize} bytes)`);
    }
    return t.pos + off;
  }

  // Scalar fields with schema defaults.
  fieldU8(t: FbTable, id: number, name: string, dflt = 0): number {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.u8(p);
  }
  fieldI8(t: FbTable, id: number, name: string, dflt = 0): number {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.i8(p);
  }
  fieldBool(t: FbTable, id: number, name: string, dflt = false): boolean {
    const p = this.field(t, id, 1, name);
    return p === 0 ? dflt : this.u8(p) !== 0;
  }
  fieldI32(t: FbTable, id: number, name: string, dflt = 0): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.i32(p);
  }
  fieldU32(t: FbTable, id: number, name: string, dflt = 0): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? dflt : this.u32(p);
  }
  fieldU64(t: FbTable, id: number, name: string): bigint {
    const p = this.field(t, id, 8, name);
    return p === 0 ? 0n : this.u64(p);
  }

  /** Absolute position of the object an offset field refers to, or 0 when absent. */
  fieldRef(t: FbTable, id: number, name: string): number {
    const p = this.field(t, id, 4, name);
    return p === 0 ? 0 : this.deref(p, t.where, `field '${name}'`);
  }

  fieldTable(t: FbTable, id: number, name: string, where: string): FbTable | undefined {
    const p = this.fieldRef(t, id, name);
    return p === 0 ? undefined : this.table(p, where);
  }

  vector(pos: number, elemSize: number, where: string, what: string): FbVector {
    this.need(pos, 4, where, `${what} length`);
    const length = this.u32(pos);
    const start = pos + 4;
    if (start + length * elemSize > this.size) {
      this.fail(
        where,
        `${what}: vector of ${length} elements (${length * elemSize} bytes from byte ${start}) runs past the end of the file (${this.size} bytes)`,
      );
    }
    return { start, length };
  }

  fieldVector(t: FbTable, id: number, elemSize: number, name: string): FbVector | undefined {
    const p = this.fieldRef(t, id, name);
    return p === 0 ? undefined : this.vector(p, elemSize, t.where, `field '${name}'`);
  }

  fieldString(t: FbTable, id: number, name: string): string | undefined {
    const v = this.fieldVector(t, id, 1, name);
    if (!v) return undefined;
    return utf8.decode(this.bytes.subarray(v.start, v.start + v.length));
  }

  fieldI32Array(t: FbTable, id: number, name: string): number[] | undefined {
    return this.fieldWords(t, id, name, false);
  }

  fieldF32Array(t: FbTable, id: number, name: string): number[] | undefined {
    return this.fieldWords(t, id, name, true);
  }

  /** A vector of 4-byte little-endian values, as int32 or float32. */
  private fieldWords(t: FbTable, id: number, name: string, float: boolean): number[] | undefined {
    const v = this.fieldVector(t, id, 4, name);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = float ? this.f32(v.start + 4 * i) : this.i32(v.start + 4 * i);
    return out;
  }

  /** int64 values as numbers; values outside ±2^53 are rejected rather than rounded. */
  fieldI64Array(t: FbTable, id: number, name: string): number[] | undefined {
    const v = this.fieldVector(t, id, 8, name);
    if (!v) return undefined;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = this.i64(v.start + 8 * i);
      if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER)) {
        this.fail(t.where, `field '${name}'[${i}] = ${x} is out of range`);
      }
      out[i] = Number(x);
    }
    return out;
  }

  fieldBytes(t: FbTable, id: number, name: string): Uint8Array | undefined {
    const v = this.fieldVector(t, id, 1, name);
    if (!v) return undefined;
    return this.bytes.slice(v.start, v.start + v.length);
  }

  /** The tables of a vector-of-tables field (each element is a uoffset to a table). */
  fieldTables(t: FbTable, id: number, name: string, whereOf: (i: number) => string): FbTable[] {
    const v = this.fieldVector(t, id, 4, name);
    if (!v) return [];
    const out = new Array<FbTable>(v.length);
    for (let i = 0; i < v.length; i++) {
      const w = whereOf(i);
      out[i] = this.table(this.deref(v.start + 4 * i, w, `${name}[${i}]`), w);
    }
    return out;
  }
}
