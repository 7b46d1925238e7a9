import { request } from 'undici';
import { z } from 'zod';

export interface GatewayInfo {
  /** How many shards Discord recommends for this bot's number of servers. */
  recommendedShards: number;
  /** Shards that may IDENTIFY in the same 5 s window (each in its own bucket: shard id % this). */
  maxConcurrency: number;
}

const gatewayBotSchema = z.object({
  shards: z.number().int().positive(),
  session_start_limit: z.object({ max_concurrency: z.number().int().positive() }),
});

const TIMEOUT_MS = 10_000;

/**
 * GET /gateway/bot at DISCORD_API_URL. discord.js's own `totalShards: 'auto'`
 * cannot be used: its fetchRecommendedShardCount always asks discord.com,
 * whatever REST base the bot is configured with.
 */
export async function fetchGatewayInfo(apiUrl: string, token: string): Promise<GatewayInfo> {
  const response = await request(`${apiUrl}/v10/gateway/bot`, {
    headers: { authorization: `Bot ${token}` },
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    if (response.statusCode === 401) throw new Error('Discord refused DISCORD_TOKEN (401) when asked how many shards to run');
    throw new Error(`GET /gateway/bot answered HTTP ${response.statusCode}; cannot decide how many shards to run`);
  }
  const body = gatewayBotSchema.parse(await response.body.json());
  return { recommendedShards: body.shards, maxConcurrency: body.session_start_limit.max_concurrency };
}
