import { describe, expect, it } from 'vitest';
import { withoutHistory, type FreshStart, type TurnRequest } from '../../src/discord/turnRequest.js';

const image = (name: string) => ({ url: `https://cdn.discordapp.com/attachments/1/2/${name}`, name, size: 100 });
const own = image('hat.png');

function request(overrides: Partial<TurnRequest>): TurnRequest {
  return { threadId: '10', guildId: '1', authorId: '2', prompt: 'add a hat', attachments: [own], settings: {}, serverSettings: () => Promise.reject(new Error('unused')), ...overrides };
}

describe('going on without a history that cannot be read', () => {
  it.each<[string, Partial<TurnRequest>, FreshStart, string[]]>([
    ['the image replied to, before the member\'s own', { replyToMessageId: '5', repliedImages: [image('replied.jpg')], latestPostedImages: async () => [image('latest.jpg')] }, 'replied-image', ['replied.jpg', 'hat.png']],
    ['the latest image the bot posted, with no reply', { latestPostedImages: async () => [image('latest.jpg')] }, 'latest-image', ['latest.jpg', 'hat.png']],
    ['the latest image, when the replied one is not at hand', { replyToMessageId: '5', latestPostedImages: async () => [image('latest.jpg')] }, 'latest-image', ['latest.jpg', 'hat.png']],
    ['the words alone, when the thread holds no image of the bot', { latestPostedImages: async () => [] }, 'nothing', ['hat.png']],
    ['the words alone, where nobody can look (/imagine in the thread)', {}, 'nothing', ['hat.png']],
  ])('goes on from %s', async (_case, overrides, freshStart, names) => {
    const planned = await withoutHistory(request(overrides));
    expect(planned?.freshStart).toBe(freshStart);
    expect(planned?.request.attachments.map((attachment) => attachment.name)).toEqual(names);
    expect(planned?.request.replyToMessageId).toBeUndefined(); // the history that held it is gone
  });

  it('does not go on when the turn acts on one image it has no way to get (a button\'s Upscale or Edit)', async () => {
    await expect(withoutHistory(request({ replyToMessageId: '5' }))).resolves.toBeUndefined();
  });
});
