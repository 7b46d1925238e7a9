// The yardstick of `npm run bench`: the simplest bot that does what this one
// does for the bench's members, on the same stack (an unmodified discord.js
// Client, undici, Keyv on SQLite). /imagine defers, asks Gemini, posts the
// image and opens a thread; a reply in the thread replays the whole history
// and posts the edit. The history is kept naively: one JSON value per thread,
// the images' base64 inside, rewritten whole on every turn. No checks, no
// limits, no budget, no queue: what the bench measures against it is what
// this bot's care costs, or saves. Run apart, as the bot is:
// `node dist/test/bench/minimalBot.js` with the emulators' environment.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { performance } from 'node:perf_hooks';
import { Client, Events, GatewayIntentBits, type Message } from 'discord.js';
import Keyv from 'keyv';
import { request } from 'undici';

type Part = Record<string, unknown> & { text?: string; thought?: boolean; inlineData?: { mimeType: string; data: string } };
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

const env = process.env;
const model = env['GEMINI_MODEL'] ?? 'gemini-3-pro-image';
const databaseFile = (env['DATABASE_URL'] ?? 'sqlite://minimal.sqlite').replace(/^sqlite:\/\//, '');
mkdirSync(path.dirname(path.resolve(databaseFile)), { recursive: true });
const history = new Keyv<Content[]>({ store: new KeyvSqlite({ uri: `sqlite://${databaseFile}` }) });
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  rest: { api: env['DISCORD_API_URL'] ?? 'https://discord.com/api' },
  allowedMentions: { parse: [], repliedUser: false },
});

/** One JSON line on stdout, as the bot's logger writes them: the bench waits on some. */
function log(msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: Date.now(), msg, ...fields })}\n`);
}

/**
 * Timing only, as the bot's clock (src/turn/logGeneration.ts): lap(step) marks the end of a step, under the
 * bot's names for the same work, so the bench can set the two side by side ("turn steps timed").
 */
function startClock(): { lap(step: string): void; phases: Record<string, number> } {
  let last = performance.now();
  const phases: Record<string, number> = {};
  return {
    phases,
    lap(step) {
      const now = performance.now();
      phases[step] = Math.round((now - last) * 10) / 10;
      last = now;
    },
  };
}

/** The whole conversation to Gemini; the model's content as sent (signatures and all), and its image. */
async function generate(contents: Content[], clock?: ReturnType<typeof startClock>): Promise<{ content: Content; image: Buffer }> {
  const response = await request(`${env['GEMINI_API_URL']}/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': env['GEMINI_API_KEY'] ?? '' },
    body: JSON.stringify({ contents, generationConfig: { responseModalities: ['TEXT', 'IMAGE'] } }),
  });
  const answer = (await response.body.json()) as { candidates?: Array<{ content?: Content }> };
  const content = answer.candidates?.[0]?.content;
  const image = content?.parts.findLast((part) => part.thought !== true && part.inlineData)?.inlineData;
  if (!content || !image) throw new Error(`Gemini answered ${response.statusCode} without an image`);
  clock?.lap('gemini');
  const bytes = Buffer.from(image.data, 'base64');
  clock?.lap('answerCheck');
  return { content, image: bytes };
}

client.on(Events.InteractionCreate, (interaction) => {
  if (!interaction.isChatInputCommand() || interaction.commandName !== 'imagine') return;
  const work = async () => {
    const clock = startClock();
    await interaction.deferReply();
    clock.lap('acknowledged');
    const prompt = interaction.options.getString('prompt', true);
    const contents: Content[] = [{ role: 'user', parts: [{ text: prompt }] }];
    const { content, image } = await generate(contents, clock);
    const message = await interaction.editReply({ files: [{ attachment: image, name: 'image.jpg' }] });
    clock.lap('upload');
    // A thread opened from a message has that message's id.
    await history.set(message.id, [...contents, content]);
    clock.lap('save');
    await message.startThread({ name: prompt.slice(0, 100) });
    clock.lap('thread');
    log('turn steps timed', { phases: clock.phases });
  };
  work().catch((error: unknown) => log('imagine failed', { error: String(error) }));
});

client.on(Events.MessageCreate, (message) => {
  if (message.author.bot || !message.channel.isThread()) return;
  editInThread(message).catch((error: unknown) => log('edit failed', { error: String(error) }));
});

async function editInThread(message: Message): Promise<void> {
  const threadId = message.channelId;
  const contents = await history.get(threadId);
  if (!contents) return;
  contents.push({ role: 'user', parts: [{ text: message.content }] });
  const { content, image } = await generate(contents);
  await message.reply({ files: [{ attachment: image, name: 'image.jpg' }] });
  contents.push(content);
  await history.set(threadId, contents);
  log('turn stored', { threadId, turns: contents.length / 2 });
}

process.once('SIGTERM', () => {
  void client
    .destroy()
    .then(() => history.disconnect())
    .then(() => process.exit(0));
});

client.once(Events.ClientReady, () => log('bot is online'));
await client.login(env['DISCORD_TOKEN']);
