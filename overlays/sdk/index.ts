// Forge overlay SDK for AssemblyScript: ABI v1 (see docs/overlay-abi.md).
// Compile overlays with: asc <overlay>.ts --runtime stub --use abort=overlays/sdk/index/abort
export { JSONValue, Kind, parse } from "./json";
import { JSONValue, parse } from "./json";

@external("forge", "log") declare function host_log(level: i32, ptr: usize, len: i32): void;
@external("forge", "capsule_read") declare function host_capsule_read(ptr: usize, len: i32): i64;
@external("forge", "capsule_search") declare function host_capsule_search(ptr: usize, len: i32): i64;
@external("forge", "capsule_create") declare function host_capsule_create(ptr: usize, len: i32): i64;
@external("forge", "config_get") declare function host_config_get(ptr: usize, len: i32): i64;
@external("forge", "event_publish") declare function host_event_publish(ptr: usize, len: i32): i32;

/** ABI: a pointer to `len` writable bytes. Re-export it from every overlay: `export { forge_alloc } from "../sdk"`. */
export function forge_alloc(len: i32): usize {
  return heap.alloc(<usize>len);
}

/** Replaces AssemblyScript's default abort (an import from "env", which overlays may not have) with a trap. */
export function abort(message: string | null, file: string | null, line: u32, column: u32): void {
  unreachable();
}

/** Reads an entry point's input. */
export function input(ptr: usize, len: i32): JSONValue {
  return parse(String.UTF8.decodeUnsafe(ptr, <usize>len));
}

function pack(ptr: usize, len: i32): i64 {
  return (<i64>ptr << 32) | <i64>(<u32>len);
}

/** Returns a value from an entry point: `return output(result)`. */
export function output(value: JSONValue): i64 {
  const bytes = String.UTF8.encode(value.toString());
  return pack(changetype<usize>(bytes), bytes.byteLength);
}

function reply(packed: i64): JSONValue {
  return parse(String.UTF8.decodeUnsafe(<usize>(packed >>> 32), <usize>(packed & 0xffffffff)));
}

export const DEBUG: i32 = 0;
export const INFO: i32 = 1;
export const WARN: i32 = 2;
export const ERROR: i32 = 3;

export function log(level: i32, message: string): void {
  const bytes = String.UTF8.encode(message);
  host_log(level, changetype<usize>(bytes), bytes.byteLength);
}

/** Needs capability capsule:read. Reply: {ok, capsule} or {ok: false, error}. */
export function capsuleRead(id: string): JSONValue {
  const b = String.UTF8.encode(JSONValue.object().setString("id", id).toString());
  return reply(host_capsule_read(changetype<usize>(b), b.byteLength));
}

/** Needs capability capsule:read. Reply: {ok, results}. */
export function capsuleSearch(query: string, limit: i32 = 5): JSONValue {
  const b = String.UTF8.encode(JSONValue.object().setString("query", query).setNumber("limit", <f64>limit).toString());
  return reply(host_capsule_search(changetype<usize>(b), b.byteLength));
}

/** Needs capability capsule:write. The capsule is DERIVED_FROM every capsule this call read. Reply: {ok, id}. */
export function capsuleCreate(content: string, type: string = "insight", tags: string[] = []): JSONValue {
  const t = JSONValue.array();
  for (let i = 0; i < tags.length; i++) t.push(JSONValue.string(tags[i]));
  const b = String.UTF8.encode(JSONValue.object().setString("content", content).setString("type", type).set("tags", t).toString());
  return reply(host_capsule_create(changetype<usize>(b), b.byteLength));
}

/** Needs capability config:read. Reply: {ok, value}. */
export function configGet(key: string): JSONValue {
  const b = String.UTF8.encode(JSONValue.object().setString("key", key).toString());
  return reply(host_config_get(changetype<usize>(b), b.byteLength));
}

/** Needs capability event:publish. 0 = published; negative = error code. */
export function eventPublish(type: string, payload: JSONValue): i32 {
  const bytes = String.UTF8.encode(JSONValue.object().setString("type", type).set("payload", payload).toString());
  return host_event_publish(changetype<usize>(bytes), bytes.byteLength);
}
