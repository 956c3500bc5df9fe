/** The leader latch with a classic bug, to see zksim find it: it orders the latch by node name (see leader-latch.ts). */
import { latch } from './leader-latch.js';
import type { RecipeWorkload } from 'zksim';

export default (): RecipeWorkload => latch({ order: 'name' });
