import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import type { ImageSize, ModelRange } from '../gemini/imageOptions.js';
import { encodeCustomId, type ResultAction } from './customIds.js';

/** The sizes an Upscale button can redraw at (each has its own custom id). */
const UPSCALE_SIZES = [
  { size: '2K', action: 'upscale-2k' },
  { size: '4K', action: 'upscale-4k' },
] as const satisfies ReadonlyArray<{ size: ImageSize; action: ResultAction }>;

/** What a result's buttons offer beyond the fixed ones: Upscale only to sizes its model makes. */
export interface ResultButtons {
  upscaleSizes: readonly ImageSize[];
}

/** The buttons for a result of a model making `range`: no "Upscale 4K" under an image whose model makes no 4K (gemini/imageOptions.ts). */
export function resultButtonsFor(range: ModelRange): ResultButtons {
  const sizes = range.imageSizes;
  return { upscaleSizes: UPSCALE_SIZES.filter(({ size }) => sizes.includes(size)).map(({ size }) => size) };
}

/** The buttons under every result image, five to a row, as Discord allows. */
export function resultButtonRows({ upscaleSizes }: ResultButtons): APIActionRowComponent<APIButtonComponent>[] {
  const upscales = UPSCALE_SIZES.filter(({ size }) => upscaleSizes.includes(size)).map(({ size, action }) => ({ action, label: `Upscale ${size}`, style: ButtonStyle.Secondary }));
  const shown: Array<{ action: ResultAction; label: string; style: ButtonStyle }> = [
    { action: 'reroll', label: 'Reroll', style: ButtonStyle.Secondary },
    { action: 'edit', label: 'Edit', style: ButtonStyle.Primary },
    ...upscales,
    { action: 'branch', label: 'Branch', style: ButtonStyle.Secondary },
    { action: 'delete', label: 'Delete', style: ButtonStyle.Danger },
  ];
  const buttons = shown.map(({ action, label, style }) => ({ type: ComponentType.Button, style, label, custom_id: encodeCustomId({ kind: 'result', action }) }) as APIButtonComponent);
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  for (let start = 0; start < buttons.length; start += 5) rows.push({ type: ComponentType.ActionRow, components: buttons.slice(start, start + 5) });
  return rows;
}
