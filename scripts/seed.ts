// `bun run seed`: the same code as `sally seed`.
import { main } from '../src/cli/main'

await main(['seed', ...process.argv.slice(2)])
