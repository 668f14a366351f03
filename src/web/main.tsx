import { render } from 'preact'
import { App } from './app'
import { SessionProvider } from './session'
import { Loading } from './ui'

render(
  <SessionProvider fallback={<Loading />}>
    <App />
  </SessionProvider>,
  document.getElementById('app')!,
)
