import type { ForgeConfig } from '../config/index.js';
import { ExtractiveIntelligence, type Intelligence } from '../intelligence/intelligence.js';
import { HashingEmbedder, type Embedder } from '../search/embedder.js';
import { EmbeddingModelError, OnnxEmbedder } from '../search/onnx-embedder.js';
import { OpenAiClient } from './openai-client.js';
import { OpenAiEmbedder } from './openai-embedder.js';
import { OpenAiIntelligence } from './openai-intelligence.js';

function client(config: ForgeConfig): OpenAiClient {
  const { baseUrl, apiKey, timeoutMs, maxAttempts } = config.providers.openai;
  return new OpenAiClient({ baseUrl, apiKey, timeoutMs, maxAttempts });
}

/**
 * The embedder the configuration names (FORGE_EMBEDDER). `local` without its model files (or without a
 * runtime that loads them) falls back to the feature-hashing embedder and says so, naming the fix.
 */
export async function openEmbedder(config: ForgeConfig, warn: (line: string) => void = (l) => console.warn(l)): Promise<Embedder> {
  if (config.providers.embedder === 'hashing') return new HashingEmbedder(config.embeddingDim);
  if (config.providers.embedder === 'local') {
    try {
      const { embedderModel, relevanceFloor } = config.providers;
      return await OnnxEmbedder.create({ dir: embedderModel, ...(relevanceFloor === undefined ? {} : { relevanceFloor }) });
    } catch (err) {
      if (!(err instanceof EmbeddingModelError)) throw err;
      warn(`[forge] ${err.message}; embedding with the feature-hashing embedder instead (recall by shared words, not meaning)`);
      return new HashingEmbedder(config.embeddingDim);
    }
  }
  const { embeddingModel, embeddingBatch, requestDimensions } = config.providers.openai;
  return new OpenAiEmbedder({ client: client(config), model: embeddingModel, dimensions: config.embeddingDim, batchSize: embeddingBatch, requestDimensions });
}

/** The intelligence the configuration names (FORGE_INTELLIGENCE); the extractive one reads by meaning with a sentence model. */
export function openIntelligence(config: ForgeConfig, embedder?: Embedder): Intelligence {
  if (config.providers.intelligence === 'extractive') return new ExtractiveIntelligence(embedder ? { embedder } : {});
  return new OpenAiIntelligence({ client: client(config), model: config.providers.openai.chatModel });
}
