import neo4j from 'neo4j-driver';

/** One delivery's key: event and subscriber, joined by a character neither contains. */
export const deliveryKey = (eventId: string, subscriber: string) => `${eventId}\u0000${subscriber}`;

/**
 * The driver sends every JavaScript number as a float; LIMIT, a top-k and stored counts and trust levels
 * must be integers. Whole numbers in parameters and in property maps (and in lists of maps: a batch of
 * rows) become Cypher integers; lists of values stay as they are (an embedding is a list of floats, zeros
 * included).
 */
export function cypherParams(params: object): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (typeof value === 'number' && Number.isInteger(value)) return neo4j.int(value);
    // Already a Cypher integer (neo4j.int): kept, not taken apart as a map of its fields.
    if (neo4j.isInt(value)) return value;
    if (Array.isArray(value)) return value.map((v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? convert(v) : v));
    if (value && typeof value === 'object' && !Array.isArray(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
    return value;
  };
  return convert(params) as Record<string, unknown>;
}
