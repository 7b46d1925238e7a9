import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { encodeCustomId, type ResultAction } from './customIds.js';

const BUTTONS: Array<{ action: ResultAction; label: string; style: ButtonStyle }> = [
  { action: 'reroll', label: 'Reroll', style: ButtonStyle.Secondary },
  { action: 'edit', label: 'Edit', style: ButtonStyle.Primary },
  { action: 'upscale-2k', label: 'Upscale 2K', style: ButtonStyle.Secondary },
  { action: 'upscale-4k', label: 'Upscale 4K', style: ButtonStyle.Secondary },
  { action: 'branch', label: 'Branch', style: ButtonStyle.Secondary },
  { action: 'delete', label: 'Delete', style: ButtonStyle.Danger },
];

/** The buttons under every result image: five to a row, as Discord allows. */
export function resultButtonRows(): APIActionRowComponent<APIButtonComponent>[] {
  const buttons: APIButtonComponent[] = BUTTONS.map(({ action, label, style }) => ({
    type: ComponentType.Button,
    style,
    label,
    custom_id: encodeCustomId({ kind: 'result', action }),
  })) as APIButtonComponent[];
  return [
    { type: ComponentType.ActionRow, components: buttons.slice(0, 5) },
    { type: ComponentType.ActionRow, components: buttons.slice(5) },
  ];
}
