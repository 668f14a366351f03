import type { AnyTool } from '../tool'
import { whoami } from './identity'

/** Every tool, in the order clients list them. Both transports serve exactly this list. */
export const TOOLS: readonly AnyTool[] = [whoami]
