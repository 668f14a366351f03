import { Page } from '../ui'

/** A screen still to be built: its heading, so navigation and deep links already work. */
export function Placeholder({ title }: { title: string }) {
  return (
    <Page title={title}>
      <p class="muted">This screen is not built yet.</p>
    </Page>
  )
}
