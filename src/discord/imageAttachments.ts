import type { Message } from 'discord.js';
import type { AttachmentSource } from '../attachments/fetchAttachment.js';

const IMAGE_NAME = /\.(png|jpe?g|webp|heic|heif)$/i;

/**
 * The attachments of a message that look like images. Only a first cut to
 * decide whether to offer editing: the bytes decide the real type later.
 */
export function imageAttachmentsOf(message: Message): AttachmentSource[] {
  return message.attachments
    .filter((attachment) => attachment.contentType?.startsWith('image/') || IMAGE_NAME.test(attachment.name))
    .map((attachment) => ({ url: attachment.url, name: attachment.name, size: attachment.size }));
}
