import type { ConversationRecord } from '../../src/conversation/conversationRecord.js';

type StoredParts = ConversationRecord['exchanges'][number]['user']['parts'];

/**
 * A record as versions 1 and 2 stored it: no image lengths, no options kept per turn, no interaction saying what it
 * built on, and an Interactions answer's steps flattened into pseudo-parts (a `{ step }` part opening each step, an
 * `{ item, in }` part for each of its items, an image's bytes beside it in inline_data), its interaction beside them.
 */
export function asVersion1(record: ConversationRecord) {
  const withoutLengths = (parts: StoredParts) => parts.map(({ raw, blob }) => (blob ? { raw, blob: { sha256: blob.sha256, field: blob.field } } : { raw }));
  return {
    ...record,
    version: record.exchanges.some((exchange) => exchange.model.api === 'interactions') ? 2 : 1,
    exchanges: record.exchanges.map(({ settings: _settings, model, ...exchange }) => ({
      ...exchange,
      user: { ...exchange.user, parts: withoutLengths(exchange.user.parts) },
      ...(model.api === 'generate-content'
        ? { model: { contentFields: model.contentFields, parts: withoutLengths(model.parts), messageId: model.messageId } }
        : {
            model: { contentFields: { role: 'model' }, parts: model.steps.flatMap(flattenedStep), messageId: model.messageId },
            interaction: { id: model.interaction.id, createdAt: model.interaction.createdAt },
          }),
    })),
  };
}

function flattenedStep({ raw, images = [] }: { raw: Record<string, unknown>; images?: Array<{ sha256: string; in: string; index: number }> }) {
  const field = raw['type'] === 'thought' ? 'summary' : 'content';
  const { [field]: items, ...header } = raw;
  const marks = raw['type'] === 'thought' ? { thought: true } : {};
  return [
    { raw: { step: header, ...(Array.isArray(items) ? { items: field } : {}) } },
    ...(Array.isArray(items) ? items : []).map((item: Record<string, unknown>, index) => {
      const image = images.find((candidate) => candidate.in === field && candidate.index === index);
      if (!image) return { raw: { item, in: field, ...marks } };
      const mimeType = item['mime_type'];
      return { raw: { item, in: field, inline_data: { ...(typeof mimeType === 'string' ? { mime_type: mimeType } : {}), data: '' }, ...marks }, blob: { sha256: image.sha256, field: 'inline_data' } };
    }),
  ];
}
