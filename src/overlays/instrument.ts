import binaryen from 'binaryen';
import { FUEL_GLOBAL, START_FUEL } from './abi.js';
import { InvalidModuleError, MemoryLimitError } from './errors.js';

export { InvalidModuleError, MemoryLimitError };

/**
 * Fuel and memory instrumentation of overlay modules, applied once at registration.
 *
 * Contract of the module it returns:
 * - exports a mutable i64 global `forge_fuel`, initially START_FUEL (the start function's budget): the
 *   host sets it to the call's budget before a call and reads what is left after. Every function entry and every loop iteration subtracts the static instruction
 *   count of the code it is about to run (a function's body outside its loops; a loop's body outside
 *   its inner loops). When the result is negative the guest traps (`unreachable`) with `forge_fuel < 0`,
 *   which the host reports as fuel exhaustion. Identical inputs consume identical fuel.
 * - its own memory has a maximum of at most `maxMemoryPages` (64 KiB pages): `memory.grow` beyond it
 *   returns -1 inside the guest. A module whose initial memory exceeds the cap is rejected.
 * Apart from those limits, behaviour is unchanged.
 */
export interface InstrumentOptions {
  /** Cap on the module's memory, in 64 KiB pages. */
  readonly maxMemoryPages: number;
}

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
interface ExpressionSetters {
  Loop: { setBody(loop: number, body: number): void };
  Function: { setBody(func: number, body: number): void };
}
const setters = binaryen as unknown as ExpressionSetters;

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
function meterRegion(expr: number, charge: (cost: number, body: number) => number): number {
  if (binaryen.getExpressionId(expr) === binaryen.LoopId) {
    const body = (binaryen.getExpressionInfo(expr) as binaryen.LoopInfo).body;
    const cost = body ? meterRegion(body, charge) : 0;
    setters.Loop.setBody(expr, charge(cost + 1, body));
    return 1;
  }
  let count = 1;
  for (const child of childrenOf(expr)) count += meterRegion(child, charge);
  return count;
}

/** Patches the (single, module-defined) memory's maximum in the binary's memory section. */
function capMemory(wasm: Uint8Array, maxPages: number): Uint8Array {
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
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos] as number;
    const [size, payloadAt] = readU32(wasm, pos + 1);
    const end = payloadAt + size;
    if (id === 5) {
      let p = payloadAt;
      const [count, afterCount] = readU32(wasm, p);
      p = afterCount;
      const payload: number[] = writeU32(count);
      for (let i = 0; i < count; i++) {
        const flags = wasm[p++] as number;
        if (flags & 0x04) throw new InvalidModuleError('64-bit memories are not supported');
        const [min, afterMin] = readU32(wasm, p);
        p = afterMin;
        let max = 65536;
        if (flags & 0x01) [max, p] = readU32(wasm, p);
        if (min > maxPages) throw new MemoryLimitError(min, maxPages);
        payload.push(flags | 0x01, ...writeU32(min), ...writeU32(Math.min(max, maxPages)));
      }
      const section = [5, ...writeU32(payload.length), ...payload];
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
    module.addGlobal(FUEL_GLOBAL, binaryen.i64, true, module.i64.const(START_FUEL));
    module.addGlobalExport(FUEL_GLOBAL, FUEL_GLOBAL);

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
      const cost = meterRegion(info.body, charge);
      setters.Function.setBody(func, charge(cost, info.body));
    }
    if (!module.validate()) throw new InvalidModuleError('instrumentation produced an invalid module');
    return capMemory(module.emitBinary(), options.maxMemoryPages);
  } finally {
    module.dispose();
  }
}
