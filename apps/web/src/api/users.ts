import type { User, UserCreate, UserUpdate } from '@trunkline/contracts';
import { resource } from './resource.ts';

export const users = resource<User, UserCreate, UserUpdate>('/users');
