import { type ComponentChildren, createContext } from 'preact'
import { useCallback, useContext, useEffect, useState } from 'preact/hooks'
import { api, type Schemas, UNAUTHORIZED_EVENT, unwrap } from './api/client'

export type Me = Schemas['Me']

type Session = {
  /** Null while signed out. */
  me: Me | null
  /** Public settings from GET /auth/config (is sign-up open?). */
  config: { signup: boolean; requireEmailVerification: boolean }
  /** Reads GET /auth/me again (after sign-in, or when memberships changed). */
  refresh(): Promise<void>
  signOut(): Promise<void>
}

const SessionContext = createContext<Session | null>(null)

/** The signed-in user, their workspaces and the public auth settings, for every screen. */
export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside <SessionProvider>')
  return s
}

/** Loads the session once (renders `fallback` until then) and drops it when any request answers 401. */
export function SessionProvider({ children, fallback }: { children: ComponentChildren; fallback: ComponentChildren }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined)
  const [config, setConfig] = useState<Session['config'] | null>(null)

  const refresh = useCallback(async () => {
    try {
      setMe(await unwrap(api.GET('/auth/me')))
    } catch {
      setMe(null)
    }
  }, [])
  const signOut = useCallback(async () => {
    await unwrap(api.POST('/auth/logout')).catch(() => undefined)
    setMe(null)
  }, [])

  useEffect(() => {
    void refresh()
    unwrap(api.GET('/auth/config')).then(setConfig, () => setConfig({ signup: false, requireEmailVerification: false }))
    const drop = () => setMe(null)
    window.addEventListener(UNAUTHORIZED_EVENT, drop)
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, drop)
  }, [refresh])

  if (me === undefined || config === null) return <>{fallback}</>
  return <SessionContext.Provider value={{ me, config, refresh, signOut }}>{children}</SessionContext.Provider>
}
