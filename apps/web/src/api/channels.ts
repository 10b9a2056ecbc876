import type { Channel, ChannelCreate, ChannelUpdate } from '@trunkline/contracts';
import { resource } from './resource.ts';

export const channels = resource<Channel, ChannelCreate, ChannelUpdate>('/channels');
