import binaryen from 'binaryen';
import { FUEL_GLOBAL, START_FUEL } from './abi.js';
import { InvalidModuleError, MemoryLimitError, TableLimitError } from './errors.js';

export { InvalidModuleError, MemoryLimitError, TableLimitError };

/**
 * Fuel and memory instrumentation of overlay modules, applied once at registration.
 *
 * Contract of the module it returns:
 * - exports a mutable i64 global `forge_fuel`, initially START_FUEL (the start function's budget): the
 *   host sets it to the call's budget before a call and reads what is left after. Every function entry and every loop iteration subtracts the static instruction
 *   count of the code it is about to run (a function's body outside its loops; a loop's body outside
 *   its inner loops). When the result is negative the guest traps (`unreachable`) with `forge_fuel < 0`,
 *   which the host reports as fuel exhaustion. Identical inputs consume identical fuel.
 * - instructions whose work grows with an operand are charged in proportion to it as well, before they
 *   run: `memory.fill`, `memory.copy` and `memory.init` one unit per BULK_BYTES_PER_FUEL bytes, `table.grow`
 *   one unit per element. (`table.fill`, `table.copy` and `table.init` are not supported: rejected.)
 * - its own memory has a maximum of at most `maxMemoryPages` (64 KiB pages): `memory.grow` beyond it
 *   returns -1 inside the guest. A module whose initial memory exceeds the cap is rejected.
 * - it has at most `maxTables` tables of at most `maxTableElements` elements each: `table.grow` beyond
 *   that returns -1 inside the guest; a module declaring more, or larger, is rejected.
 * Apart from those limits, behaviour is unchanged.
 */
export interface InstrumentOptions {
  /** Cap on the module's memory, in 64 KiB pages. */
  readonly maxMemoryPages: number;
  /** Most tables a module may declare. @defaultValue DEFAULT_MAX_TABLES */
  readonly maxTables?: number;
  /** Most elements a table may have, initially or after growing. @defaultValue DEFAULT_MAX_TABLE_ELEMENTS */
  readonly maxTableElements?: number;
}

export const DEFAULT_MAX_TABLES = 4;
export const DEFAULT_MAX_TABLE_ELEMENTS = 10_000;
/** Bytes of `memory.fill`/`copy`/`init` per unit of fuel (a guest's own byte loop costs several per byte). */
export const BULK_BYTES_PER_FUEL = 8;
const CHARGE_BYTES = 'forge_charge_bytes';
const CHARGE_ELEMENTS = 'forge_charge_elements';

export { FUEL_GLOBAL };

/**
 * Features an overlay may use. Everything the walker below understands; modules that need more (GC,
 * exceptions, threads, memory64, multi-memory, stack switching) are rejected rather than run unmetered.
 */
const SUPPORTED_FEATURES =
  binaryen.Features.MutableGlobals |
  binaryen.Features.NontrappingFPToInt |
  binaryen.Features.SIMD128 |
  binaryen.Features.BulkMemory |
  binaryen.Features.BulkMemoryOpt |
  binaryen.Features.SignExt |
  binaryen.Features.Multivalue |
  binaryen.Features.ReferenceTypes |
  binaryen.Features.TailCall |
  binaryen.Features.ExtendedConst |
  binaryen.Features.CallIndirectOverlong;

// Setters binaryen.js provides at run time but does not declare.
interface SizeOperand {
  getSize(expr: number): number;
  setSize(expr: number, size: number): void;
}
interface ExpressionSetters {
  Loop: { setBody(loop: number, body: number): void };
  Function: { setBody(func: number, body: number): void };
  MemoryFill: SizeOperand;
  MemoryCopy: SizeOperand;
  MemoryInit: SizeOperand;
  TableGrow: { getDelta(expr: number): number; setDelta(expr: number, delta: number): void };
}
const setters = binaryen as unknown as ExpressionSetters;

/** The operand each length-proportional instruction is charged by, and the function that charges it. */
const LENGTH_OPERANDS = new Map<number, { get(expr: number): number; set(expr: number, value: number): void; charger: string }>([
  [binaryen.MemoryFillId, { get: (e) => setters.MemoryFill.getSize(e), set: (e, v) => setters.MemoryFill.setSize(e, v), charger: CHARGE_BYTES }],
  [binaryen.MemoryCopyId, { get: (e) => setters.MemoryCopy.getSize(e), set: (e, v) => setters.MemoryCopy.setSize(e, v), charger: CHARGE_BYTES }],
  [binaryen.MemoryInitId, { get: (e) => setters.MemoryInit.getSize(e), set: (e, v) => setters.MemoryInit.setSize(e, v), charger: CHARGE_BYTES }],
  [binaryen.TableGrowId, { get: (e) => setters.TableGrow.getDelta(e), set: (e, v) => setters.TableGrow.setDelta(e, v), charger: CHARGE_ELEMENTS }],
]);

/**
 * The child-expression fields of every instruction kind the supported features allow. A kind missing
 * here fails closed: the module is rejected rather than run with a loop the meter cannot see.
 * (Field names follow binaryen.js's getExpressionInfo; the same name can be a plain number elsewhere,
 * e.g. a Const's `value` or a Load's `offset`, hence the table.)
 */
const CHILD_FIELDS = new Map<number, readonly string[]>([
  [binaryen.BlockId, ['children']],
  [binaryen.IfId, ['condition', 'ifTrue', 'ifFalse']],
  [binaryen.LoopId, ['body']],
  [binaryen.BreakId, ['condition', 'value']],
  [binaryen.SwitchId, ['condition', 'value']],
  [binaryen.CallId, ['operands']],
  [binaryen.CallIndirectId, ['target', 'operands']],
  [binaryen.LocalGetId, []],
  [binaryen.LocalSetId, ['value']],
  [binaryen.GlobalGetId, []],
  [binaryen.GlobalSetId, ['value']],
  [binaryen.LoadId, ['ptr']],
  [binaryen.StoreId, ['ptr', 'value']],
  [binaryen.ConstId, []],
  [binaryen.UnaryId, ['value']],
  [binaryen.BinaryId, ['left', 'right']],
  [binaryen.SelectId, ['ifTrue', 'ifFalse', 'condition']],
  [binaryen.DropId, ['value']],
  [binaryen.ReturnId, ['value']],
  [binaryen.MemorySizeId, []],
  [binaryen.MemoryGrowId, ['delta']],
  [binaryen.NopId, []],
  [binaryen.UnreachableId, []],
  [binaryen.SIMDExtractId, ['vec']],
  [binaryen.SIMDReplaceId, ['vec', 'value']],
  [binaryen.SIMDShuffleId, ['left', 'right']],
  [binaryen.SIMDTernaryId, ['a', 'b', 'c']],
  [binaryen.SIMDShiftId, ['vec', 'shift']],
  [binaryen.SIMDLoadId, ['ptr']],
  [binaryen.SIMDLoadStoreLaneId, ['ptr', 'vec']],
  [binaryen.MemoryInitId, ['dest', 'offset', 'size']],
  [binaryen.DataDropId, []],
  [binaryen.MemoryCopyId, ['dest', 'source', 'size']],
  [binaryen.MemoryFillId, ['dest', 'value', 'size']],
  [binaryen.RefNullId, []],
  [binaryen.RefIsNullId, ['value']],
  [binaryen.RefFuncId, []],
  [binaryen.RefEqId, ['left', 'right']],
  [binaryen.RefAsId, ['value']],
  [binaryen.TableGetId, ['index']],
  [binaryen.TableSetId, ['index', 'value']],
  [binaryen.TableSizeId, []],
  [binaryen.TableGrowId, ['value', 'delta']],
  [binaryen.TupleMakeId, ['operands']],
  [binaryen.TupleExtractId, ['tuple']],
  [binaryen.PopId, []],
]);

function childrenOf(expr: number): number[] {
  const id = binaryen.getExpressionId(expr);
  const fields = CHILD_FIELDS.get(id);
  if (!fields) throw new InvalidModuleError(`uses an instruction the fuel meter does not support (binaryen expression id ${id})`);
  if (fields.length === 0) return [];
  const info = binaryen.getExpressionInfo(expr) as unknown as Record<string, unknown>;
  const out: number[] = [];
  for (const field of fields) {
    const v = info[field];
    if (typeof v === 'number' && v !== 0) out.push(v);
    else if (Array.isArray(v)) for (const c of v) if (typeof c === 'number' && c !== 0) out.push(c);
  }
  return out;
}

/**
 * Returns the instruction count of the region rooted at `expr` — the code that runs without passing a
 * loop header — and instruments every loop inside it: each loop's body starts by charging its own region.
 * A loop counts as one instruction of its enclosing region.
 */
function meterRegion(expr: number, charge: (cost: number, body: number) => number, chargeLength: (expr: number) => void): number {
  if (binaryen.getExpressionId(expr) === binaryen.LoopId) {
    const body = (binaryen.getExpressionInfo(expr) as binaryen.LoopInfo).body;
    const cost = body ? meterRegion(body, charge, chargeLength) : 0;
    setters.Loop.setBody(expr, charge(cost + 1, body));
    return 1;
  }
  let count = 1;
  for (const child of childrenOf(expr)) count += meterRegion(child, charge, chargeLength);
  chargeLength(expr);
  return count;
}

const readU32 = (bytes: Uint8Array, at: number): [number, number] => {
  let result = 0;
  let shift = 0;
  let pos = at;
  for (;;) {
    const byte = bytes[pos++] as number;
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result >>> 0, pos];
    shift += 7;
  }
};

const writeU32 = (value: number): number[] => {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
};

/**
 * Rewrites the limits of every entry of the memory section (5) or the table section (4): `rewrite` gets
 * each entry's minimum and maximum (the format's largest when absent) and returns the maximum to write.
 */
function patchLimits(wasm: Uint8Array, sectionId: 4 | 5, rewrite: (min: number, max: number, index: number, count: number) => number): Uint8Array {
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos] as number;
    const [size, payloadAt] = readU32(wasm, pos + 1);
    const end = payloadAt + size;
    if (id === sectionId) {
      let p = payloadAt;
      const [count, afterCount] = readU32(wasm, p);
      p = afterCount;
      const payload: number[] = writeU32(count);
      for (let i = 0; i < count; i++) {
        if (sectionId === 4) {
          const refType = wasm[p++] as number;
          if (refType === 0x40) throw new InvalidModuleError('tables with initializer expressions are not supported');
          payload.push(refType);
        }
        const flags = wasm[p++] as number;
        if (flags & 0x04) throw new InvalidModuleError(`64-bit ${sectionId === 5 ? 'memories' : 'tables'} are not supported`);
        const [min, afterMin] = readU32(wasm, p);
        p = afterMin;
        let max = sectionId === 5 ? 65536 : 0xffffffff;
        if (flags & 0x01) [max, p] = readU32(wasm, p);
        payload.push(flags | 0x01, ...writeU32(min), ...writeU32(rewrite(min, max, i, count)));
      }
      const section = [sectionId, ...writeU32(payload.length), ...payload];
      const out = new Uint8Array(wasm.length - (end - pos) + section.length);
      out.set(wasm.subarray(0, pos), 0);
      out.set(section, pos);
      out.set(wasm.subarray(end), pos + section.length);
      return out;
    }
    pos = end;
  }
  return wasm;
}

/** Caps the (single, module-defined) memory's maximum. */
function capMemory(wasm: Uint8Array, maxPages: number): Uint8Array {
  return patchLimits(wasm, 5, (min, max) => {
    if (min > maxPages) throw new MemoryLimitError(min, maxPages);
    return Math.min(max, maxPages);
  });
}

/** Caps every table's maximum; too many tables, or one larger than the cap to begin with, is refused. */
function capTables(wasm: Uint8Array, maxTables: number, maxElements: number): Uint8Array {
  return patchLimits(wasm, 4, (min, max, _index, count) => {
    if (count > maxTables || min > maxElements) throw new TableLimitError({ tables: count, maxTables, requestedElements: min, maxElements });
    return Math.min(max, maxElements);
  });
}

export function instrumentModule(wasm: Uint8Array, options: InstrumentOptions): Uint8Array {
  if (!Number.isInteger(options.maxMemoryPages) || options.maxMemoryPages < 0 || options.maxMemoryPages > 65536) {
    throw new RangeError(`maxMemoryPages must be an integer from 0 to 65536, got ${options.maxMemoryPages}`);
  }
  if (!WebAssembly.validate(wasm)) throw new InvalidModuleError('not a valid WebAssembly binary');
  let module: binaryen.Module;
  try {
    module = binaryen.readBinary(wasm);
  } catch (err) {
    throw new InvalidModuleError(`binaryen could not read it (${err instanceof Error ? err.message : String(err)})`);
  }
  try {
    // Validating under the supported feature set rejects anything the metering walk does not understand.
    module.setFeatures(SUPPORTED_FEATURES);
    if (!module.validate()) throw new InvalidModuleError('uses a feature overlays may not use (supported: MVP, mutable globals, sign extension, non-trapping float-to-int, bulk memory, SIMD, multi-value, reference types, tail calls, extended const)');
    if (module.hasMemory()) {
      const memory = module.getMemoryInfo();
      if (memory.module) throw new InvalidModuleError('imports its memory; an overlay defines and exports its own');
      if (memory.shared) throw new InvalidModuleError('shared memories are not supported');
    }
    for (let i = 0; i < module.getNumGlobals(); i++) {
      if (binaryen.getGlobalInfo(module.getGlobalByIndex(i)).name === FUEL_GLOBAL) throw new InvalidModuleError(`defines a global named ${FUEL_GLOBAL}`);
    }
    for (const name of [CHARGE_BYTES, CHARGE_ELEMENTS]) if (module.getFunction(name)) throw new InvalidModuleError(`defines a function named ${name}`);
    module.addGlobal(FUEL_GLOBAL, binaryen.i64, true, module.i64.const(START_FUEL));
    module.addGlobalExport(FUEL_GLOBAL, FUEL_GLOBAL);

    // Charges for work that grows with an operand: (n) -> n, after taking n >> shift (+1) units of fuel.
    const addLengthCharge = (name: string, shift: number) => {
      const n = () => module.local.get(0, binaryen.i32);
      const units = module.i64.extend_u(module.i32.add(module.i32.shr_u(n(), module.i32.const(shift)), module.i32.const(1)));
      module.addFunction(
        name,
        binaryen.createType([binaryen.i32]),
        binaryen.i32,
        [],
        module.block(
          null,
          [
            module.global.set(FUEL_GLOBAL, module.i64.sub(module.global.get(FUEL_GLOBAL, binaryen.i64), units)),
            module.if(module.i64.lt_s(module.global.get(FUEL_GLOBAL, binaryen.i64), module.i64.const(0n)), module.unreachable()),
            n(),
          ],
          binaryen.i32,
        ),
      );
    };
    const chargeLength = (expr: number): void => {
      const rule = LENGTH_OPERANDS.get(binaryen.getExpressionId(expr));
      if (!rule) return;
      rule.set(expr, module.call(rule.charger, [rule.get(expr)], binaryen.i32));
    };
    const charge = (cost: number, body: number): number => {
      const type = body ? binaryen.getExpressionType(body) : binaryen.none;
      const fuel = () => module.global.get(FUEL_GLOBAL, binaryen.i64);
      const check = [
        module.global.set(FUEL_GLOBAL, module.i64.sub(fuel(), module.i64.const(BigInt(cost)))),
        module.if(module.i64.lt_s(fuel(), module.i64.const(0n)), module.unreachable()),
      ];
      return module.block(null, body ? [...check, body] : check, type);
    };
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const func = module.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(func);
      if (info.module || !info.body) continue; // imported
      const cost = meterRegion(info.body, charge, chargeLength);
      setters.Function.setBody(func, charge(cost, info.body));
    }
    // Added after the walk: they charge for themselves.
    addLengthCharge(CHARGE_BYTES, Math.log2(BULK_BYTES_PER_FUEL));
    addLengthCharge(CHARGE_ELEMENTS, 0);
    if (!module.validate()) throw new InvalidModuleError('instrumentation produced an invalid module');
    return capTables(capMemory(module.emitBinary(), options.maxMemoryPages), options.maxTables ?? DEFAULT_MAX_TABLES, options.maxTableElements ?? DEFAULT_MAX_TABLE_ELEMENTS);
  } finally {
    module.dispose();
  }
}
