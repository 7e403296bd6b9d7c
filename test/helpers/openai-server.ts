import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HashingEmbedder } from '../../src/search/embedder.js';
import { sentences, terms } from '../../src/search/text.js';

/** What the next calls to an endpoint answer, in order; once used up, the endpoint answers normally. */
export type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | { delayMs: number } | { reply: string };

export interface OpenAiCall {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

export interface LocalOpenAi {
  /** The API root to configure, `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  readonly calls: OpenAiCall[];
  /** Queues scripted answers for `path` (`/v1/embeddings` or `/v1/chat/completions`). */
  script(path: string, ...answers: Scripted[]): void;
  stop(): Promise<void>;
}

/**
 * A local HTTP server speaking the OpenAI API's embeddings and chat-completions shapes. Embeddings are the
 * feature-hashing embedder's (so related texts are near), returned in reverse order with their indexes as
 * the API allows; the chat model answers with the sources' sentences that share words with the question,
 * each cited by its source number, as a well-behaved model would.
 */
export async function startLocalOpenAi(options: { dimensions?: number } = {}): Promise<LocalOpenAi> {
  const embedder = new HashingEmbedder(options.dimensions ?? 64);
  const calls: OpenAiCall[] = [];
  const scripts = new Map<string, Scripted[]>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = JSON.parse((await read(req)) || '{}') as Record<string, unknown>;
      const path = req.url ?? '';
      calls.push({ path, authorization: req.headers.authorization, body });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const scripted = scripts.get(path)?.shift();
      if (scripted && 'delayMs' in scripted) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      else if (scripted && 'status' in scripted) return send(scripted.status, scripted.body ?? { error: { message: `scripted ${scripted.status}` } }, scripted.headers);
      if (path === '/v1/embeddings') {
        const input = body.input as string[];
        const data = input.map((text, index) => ({ object: 'embedding', index, embedding: Array.from(embedder.embedOne(text)) }));
        return send(200, { object: 'list', model: body.model, data: data.reverse(), usage: { prompt_tokens: 0, total_tokens: 0 } });
      }
      if (path === '/v1/chat/completions') {
        const content = scripted && 'reply' in scripted ? scripted.reply : answerFrom(((body.messages as Array<{ content: string }>)[1] as { content: string }).content);
        return send(200, { id: 'chat-1', object: 'chat.completion', model: body.model, choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
      }
      send(404, { error: { message: `no route ${path}` } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls,
    script: (path, ...answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The sentences of the numbered sources that share a word with the question, each cited. */
function answerFrom(prompt: string): string {
  const question = /Question: (.*)/.exec(prompt)?.[1] ?? '';
  const wanted = new Set(terms(question));
  const out: string[] = [];
  for (const m of prompt.matchAll(/\[(\d+)\] \(capsule [^)]*\)\n([^\n]*)/g)) {
    for (const s of sentences(m[2] as string)) if (terms(s).some((t) => wanted.has(t))) out.push(`${s.replace(/[.!?]$/, '')} [${m[1]}].`);
  }
  return out.length ? out.slice(0, 3).join(' ') : 'The sources do not answer this.';
}

async function read(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}
