// A plain undici client for the emulator's Interactions API, for the
// emulator's own tests: what a bot would send, nothing more.

import { request } from 'undici';
import { expect } from 'vitest';
import type { GeminiEmulator } from './gemini/index.js';

export type Json = Record<string, any>;

export interface CallOptions {
  key?: string | null;
  query?: string;
}

export interface CallResult {
  status: number;
  json: Json;
  contentType: string;
}

export async function callInteractions(
  emulator: GeminiEmulator,
  method: 'POST' | 'GET' | 'DELETE' | 'PUT',
  path: string,
  body?: unknown,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? emulator.apiKey : options.key;
  if (key !== null) headers['x-goog-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(`${emulator.url}/interactions${path}${options.query ?? ''}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: JSON.parse(text) as Json, contentType: String(response.headers['content-type']) };
}

export function create(emulator: GeminiEmulator, body: unknown, options?: CallOptions): Promise<CallResult> {
  return callInteractions(emulator, 'POST', '', body, options);
}

export const IMAGE_FORMAT = { type: 'image', aspect_ratio: '16:9', image_size: '2K' };

/** A request for an image with words, as the bot will make it. */
export function imageRequest(input: unknown, extra: Json = {}): Json {
  return { model: 'gemini-3-pro-image', input, response_format: [{ type: 'text' }, IMAGE_FORMAT], ...extra };
}

export function userInput(text: string, ...images: Json[]): Json {
  return { type: 'user_input', content: [{ type: 'text', text }, ...images] };
}

/** The Interactions error shape with a string code (FACTS). */
export function expectedError(code: string): Json {
  return { error: expect.objectContaining({ code, message: expect.any(String) }) };
}

export function imageBytes(item: Json): Buffer {
  return Buffer.from(item.data as string, 'base64');
}

/** The model_output step's content items of an interaction. */
export function outputContent(interaction: Json): Json[] {
  return (interaction.steps as Json[]).filter((step) => step.type === 'model_output').flatMap((step) => (step.content ?? []) as Json[]);
}

export const PNG_1x1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
