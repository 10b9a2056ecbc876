import type { Customer, CustomerCreate, CustomerUpdate } from '@trunkline/contracts';
import { resource } from './resource.ts';

export const customers = resource<Customer, CustomerCreate, CustomerUpdate>('/customers');
